/**
 * One open subscription: a cursor plus replay pacing, counted in the metrics while open.
 * Protocol front-ends (rpc/, http/) pull batches from it at their own pace.
 * @module
 */
import type { StoredEvent } from "../log/mod.ts";
import type { Cursor } from "./cursor.ts";

export class Subscription {
  readonly #cursor: Cursor;
  readonly #speed: number;
  readonly #onClose: () => void;
  /** Paced replay: read but not yet due. */
  #held: StoredEvent[] = [];
  #anchor: { wall: number; recorded: number } | null = null;
  #closed = false;

  constructor(cursor: Cursor, speed: number, onClose: () => void) {
    this.#cursor = cursor;
    this.#speed = speed;
    this.#onClose = onClose;
  }

  /** The next offset the subscription looks at. */
  get position(): number {
    return this.#held.length > 0 ? this.#held[0].offset : this.#cursor.position;
  }

  /**
   * Up to `max` events (at least one); `[]` once an end offset is reached. Waits for new events
   * at the head and, with a replay speed, until the events are due.
   */
  async next(max: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    const batch = this.#held.length > 0 ? this.#held : await this.#cursor.next(max, signal);
    this.#held = [];
    if (this.#speed <= 0 || batch.length === 0) return batch.slice(0, max);
    const first = batch[0];
    this.#anchor ??= { wall: performance.now(), recorded: first.receivedAt };
    const due = (e: StoredEvent) =>
      this.#anchor!.wall + (e.receivedAt - this.#anchor!.recorded) / this.#speed;
    const wait = due(first) - performance.now();
    if (wait > 0) await sleep(wait, signal);
    const now = performance.now();
    let n = 1;
    while (n < batch.length && n < max && due(batch[n]) <= now) n++;
    this.#held = batch.slice(n);
    return batch.slice(0, n);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
