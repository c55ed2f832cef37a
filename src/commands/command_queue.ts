/**
 * The queue of commands for the mod over a CommandStore: each queued line is delivered by
 * exactly one take, in order, and survives restarts. Calls run one at a time, so two consumers
 * (a poll and a WebSocket push) never deliver the same line.
 * @module
 */
import type { CommandStore, QueuedCommand } from "../log/mod.ts";

export class CommandQueue {
  readonly #store: CommandStore;
  /** Calls run one at a time, so deliveries never race. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  readonly #onListenerError: (err: unknown) => void;

  /** `onListenerError` hears an enqueue listener's exception (the enqueue itself succeeded). */
  constructor(store: CommandStore, onListenerError: (err: unknown) => void = () => {}) {
    this.#store = store;
    this.#onListenerError = onListenerError;
  }

  /** Appends lines; resolves once they are durable. */
  enqueue(lines: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      await this.#store.append(lines);
      for (const listener of this.#listeners) {
        try {
          listener();
        } catch (err) {
          this.#onListenerError(err);
        }
      }
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

  /** Takes (removes) up to `max` waiting lines, oldest first. */
  take(max: number): Promise<string[]> {
    return this.#serial(async () => {
      const taken = await this.#store.peek(max);
      await this.#store.remove(taken.map((c) => c.seq));
      return taken.map((c) => c.line);
    });
  }

  /** Up to `max` waiting lines with their numbers, left in the queue (at-least-once delivery). */
  peek(max: number): Promise<QueuedCommand[]> {
    return this.#serial(() => this.#store.peek(max));
  }

  /** Removes delivered lines by number. */
  remove(seqs: readonly number[]): Promise<void> {
    return this.#serial(() => this.#store.remove(seqs));
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }
}
