/**
 * A queue between producers and one consumer that iterates it: push() adds, close() ends the
 * iteration once what is queued has been taken (with an error if given), fail() ends it at once
 * with an error. Built on Wakeup; imports nothing else, so any module may use it.
 * @module
 */
import { Wakeup } from "./wakeup.ts";

export class Channel<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #wakeup = new Wakeup();
  /** Told whenever the consumer takes an item (producers waiting for room). */
  readonly #taken = new Wakeup();
  /** Set by close(): the iteration ends once the queue is empty, with `error` if there is one. */
  #closed: { error?: unknown } | null = null;
  #failure: { error: unknown } | null = null;

  /** Queues an item; ignored once the channel is closed or failed. */
  push(item: T): void {
    if (this.#closed || this.#failure) return;
    this.#items.push(item);
    this.#wakeup.notify();
  }

  /**
   * Ends the iteration once what is queued has been taken: normally, or with `error` (answers
   * owed before a failure still go out). Later pushes are ignored; the first close wins.
   */
  close(error?: unknown): void {
    this.#closed ??= error === undefined ? {} : { error };
    this.#wakeup.notify();
  }

  /** Ends the iteration with `error` (queued items are dropped); the first failure wins. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wakeup.notify();
  }

  /**
   * Waits until fewer than `limit` items are queued (a producer's backpressure); false when
   * `signal` aborts first or the channel has ended.
   */
  async roomFor(limit: number, signal: AbortSignal): Promise<boolean> {
    while (this.#items.length >= limit) {
      if (this.#closed || this.#failure || signal.aborted) return false;
      try {
        await this.#taken.wait(signal);
      } catch {
        return false;
      }
    }
    return !signal.aborted;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      if (this.#items.length > 0) {
        const item = this.#items.shift()!;
        this.#taken.notify();
        yield item;
        continue;
      }
      if (this.#closed) {
        if ("error" in this.#closed) throw this.#closed.error;
        return;
      }
      await this.#wakeup.wait();
    }
  }
}
