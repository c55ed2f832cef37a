/**
 * The queue of commands for the mod, in Deno KV: each queued line is delivered by exactly one
 * poll, in order, and survives restarts. Keys: ["cmd", seq] → line, ["meta", "cmdhead"].
 * @module
 */

const HEAD: Deno.KvKey = ["meta", "cmdhead"];
/** Deno KV allows 1000 mutations per commit; one is the head. */
const LINES_PER_COMMIT = 900;

export class CommandQueue {
  readonly #kv: Deno.Kv;
  /** Enqueue and poll run one at a time, so sequence numbers and deliveries never race. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();

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
      for (const listener of this.#listeners) listener();
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
      const taken: Deno.KvEntry<string>[] = [];
      for await (const e of this.#kv.list<string>({ prefix: ["cmd"] }, { limit: max })) {
        taken.push(e);
      }
      for (let i = 0; i < taken.length; i += LINES_PER_COMMIT) {
        const op = this.#kv.atomic();
        for (const e of taken.slice(i, i + LINES_PER_COMMIT)) op.delete(e.key);
        if (!(await op.commit()).ok) {
          throw new Error("Deno KV refused a commit of the command queue");
        }
      }
      return taken.map((e) => e.value);
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }
}
