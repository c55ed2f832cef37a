/**
 * A reader's position in the log: hands out matching events in offset order, from the log
 * itself while behind the in-memory tail (catch-up at the reader's own pace) and from the tail
 * once near the head, waiting there for new events. Holds at most one batch at a time.
 * @module
 */
import type { EventLog, StoredEvent, TopicMatcher } from "../log/mod.ts";
import type { LogTail } from "./log_tail.ts";

export interface CursorOptions {
  /** First offset to deliver. */
  readonly from: number;
  /** Stop before this offset; undefined follows the log forever. */
  readonly end?: number;
  readonly topics?: TopicMatcher;
}

export class Cursor {
  readonly #log: EventLog;
  readonly #tail: LogTail;
  readonly #end: number;
  readonly #topics?: TopicMatcher;
  #pos: number;

  constructor(log: EventLog, tail: LogTail, opts: CursorOptions) {
    this.#log = log;
    this.#tail = tail;
    this.#pos = opts.from;
    this.#end = opts.end ?? Infinity;
    this.#topics = opts.topics;
  }

  /** The next offset this cursor will look at. */
  get position(): number {
    return this.#pos;
  }

  /** True once `end` is reached; next() then returns []. */
  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /**
   * Up to `max` matching events (at least one), waiting for new ones at the head; `[]` only
   * when the end offset is reached. Rejects with the signal's reason when it aborts.
   */
  async next(max: number, signal?: AbortSignal): Promise<StoredEvent[]> {
    while (this.#pos < this.#end) {
      signal?.throwIfAborted();
      if (this.#pos < this.#tail.base) {
        const events = await this.#fromLog(max);
        if (events.length > 0) return events;
        continue;
      }
      if (this.#pos < this.#tail.end) {
        const { events, next } = this.#tail.slice(this.#pos, max, this.#topics, this.#end);
        this.#pos = next;
        if (events.length > 0) return events;
        continue;
      }
      await this.#tail.waitFor(this.#pos, signal);
    }
    return [];
  }

  async #fromLog(max: number): Promise<StoredEvent[]> {
    const { first } = this.#log.bounds();
    // The tail's base is a point the log has reached; everything before it is stored.
    const scanTo = Math.min(this.#tail.base, this.#end);
    if (this.#pos < first) this.#pos = first;
    const out: StoredEvent[] = [];
    let complete = true;
    for await (const e of this.#log.read(this.#pos, { limit: max, topics: this.#topics })) {
      if (e.offset >= scanTo) break;
      out.push(e);
      if (out.length === max) {
        complete = false;
        break;
      }
    }
    if (out.length > 0) this.#pos = out[out.length - 1].offset + 1;
    if (complete) this.#pos = Math.max(this.#pos, scanTo);
    return out;
  }
}
