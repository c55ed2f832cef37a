/**
 * The queue of commands for the mod, in Deno KV: each queued line is delivered by exactly one
 * poll, in order, and survives restarts. Keys: ["cmd", seq] → line, ["meta", "cmdhead"].
 * Push consumers lease lines instead (at-least-once): a leased line stays stored, hidden from
 * other takers, until it is acked (deleted) or released (offered again). Leases live in memory,
 * so a restart offers every unacked line again.
 * @module
 */

/** A leased command: `id` is what the consumer acks or releases. */
export interface LeasedCommand {
  readonly id: number;
  readonly line: string;
}

const HEAD: Deno.KvKey = ["meta", "cmdhead"];
/** Deno KV allows 1000 mutations per commit; one is the head. */
const LINES_PER_COMMIT = 900;

export class CommandQueue {
  readonly #kv: Deno.Kv;
  /** Enqueue and poll run one at a time, so sequence numbers and deliveries never race. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  /** Sequence numbers of lines leased and not yet acked or released. */
  readonly #leased = new Set<number>();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Appends lines; resolves once they are durable. */
  enqueue(lines: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      let head = (await this.#kv.get<number>(HEAD)).value ?? 0;
      for (let i = 0; i < lines.length; i += LINES_PER_COMMIT) {
        const op = this.#kv.atomic();
        for (const line of lines.slice(i, i + LINES_PER_COMMIT)) op.set(["cmd", head++], line);
        op.set(HEAD, head);
        if (!(await op.commit()).ok) {
          throw new Error("Deno KV refused a commit of the command queue");
        }
      }
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
      await this.#delete(taken.map((e) => e.key));
      return taken.map((e) => e.value);
    });
  }

  /** Leases up to `max` waiting lines, oldest first, until ack() or release(). */
  lease(max: number): Promise<LeasedCommand[]> {
    return this.#serial(async () => {
      const leased = (await this.#waiting(max)).map((e) => ({
        id: e.key[1] as number,
        line: e.value,
      }));
      for (const { id } of leased) this.#leased.add(id);
      return leased;
    });
  }

  /** Deletes leased lines the consumer confirmed; ids not leased are ignored (a late ack). */
  ack(ids: readonly number[]): Promise<void> {
    return this.#serial(async () => {
      const mine = ids.filter((id) => this.#leased.has(id));
      await this.#delete(mine.map((id) => ["cmd", id]));
      for (const id of mine) this.#leased.delete(id);
    });
  }

  /** Offers leased lines again (their consumer went away before acking them). */
  release(ids: readonly number[]): void {
    let any = false;
    for (const id of ids) any = this.#leased.delete(id) || any;
    if (any) this.#notify();
  }

  async #waiting(max: number): Promise<Deno.KvEntry<string>[]> {
    const found: Deno.KvEntry<string>[] = [];
    for await (const e of this.#kv.list<string>({ prefix: ["cmd"] })) {
      if (this.#leased.has(e.key[1] as number)) continue;
      found.push(e);
      if (found.length >= max) break;
    }
    return found;
  }

  async #delete(keys: readonly Deno.KvKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += LINES_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (const key of keys.slice(i, i + LINES_PER_COMMIT)) op.delete(key);
      if (!(await op.commit()).ok) {
        throw new Error("Deno KV refused a commit of the command queue");
      }
    }
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }
}
