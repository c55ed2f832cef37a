/**
 * The queue of commands for the mod over a CommandStore: each queued line is delivered by
 * exactly one take, in order, and survives restarts. Calls run one at a time, so two consumers
 * (a poll and a WebSocket push) never deliver the same line. Push consumers lease lines instead
 * (at-least-once): a leased line stays stored, hidden from other takers, until it is acked
 * (deleted) or released (offered again). Leases live in memory, so a restart offers every
 * unacked line again.
 * @module
 */
import type { CommandStore, QueuedCommand } from "../log/mod.ts";

/** A leased command: `id` is what the consumer acks or releases. */
export interface LeasedCommand {
  readonly id: number;
  readonly line: string;
}

export class CommandQueue {
  readonly #store: CommandStore;
  /** Calls run one at a time, so deliveries never race. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  readonly #onListenerError: (err: unknown) => void;
  /** Sequence numbers of lines leased and not yet acked or released. */
  readonly #leased = new Set<number>();

  /** `onListenerError` hears an enqueue listener's exception (the enqueue itself succeeded). */
  constructor(store: CommandStore, onListenerError: (err: unknown) => void = () => {}) {
    this.#store = store;
    this.#onListenerError = onListenerError;
  }

  /** Appends lines; resolves once they are durable. */
  enqueue(lines: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      await this.#store.append(lines);
      this.#notify();
    });
  }

  /**
   * Calls `listener` after each enqueue is durable (push delivery, e.g. over WebSocket: the
   * listener then calls take()); returns the function that removes it.
   */
  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes (removes) up to `max` waiting lines, oldest first; leased lines are skipped. */
  take(max: number): Promise<string[]> {
    return this.#serial(async () => {
      const taken = await this.#waiting(max);
      await this.#store.remove(taken.map((c) => c.seq));
      return taken.map((c) => c.line);
    });
  }

  /** Leases up to `max` waiting lines, oldest first, until ack() or release(). */
  lease(max: number): Promise<LeasedCommand[]> {
    return this.#serial(async () => {
      const leased = await this.#waiting(max);
      for (const { seq } of leased) this.#leased.add(seq);
      return leased.map(({ seq, line }) => ({ id: seq, line }));
    });
  }

  /** Deletes leased lines the consumer confirmed; ids not leased are ignored (a late ack). */
  ack(ids: readonly number[]): Promise<void> {
    return this.#serial(async () => {
      const mine = ids.filter((id) => this.#leased.has(id));
      await this.#store.remove(mine);
      for (const id of mine) this.#leased.delete(id);
    });
  }

  /** Offers leased lines again (their consumer went away before acking them). */
  release(ids: readonly number[]): void {
    let any = false;
    for (const id of ids) any = this.#leased.delete(id) || any;
    if (any) this.#notify();
  }

  /** Up to `max` waiting lines that nobody holds a lease on. */
  async #waiting(max: number): Promise<QueuedCommand[]> {
    const queued = await this.#store.peek(max + this.#leased.size);
    return queued.filter((c) => !this.#leased.has(c.seq)).slice(0, max);
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }
}
