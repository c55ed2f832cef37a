/**
 * The in-memory tail of the log: the newest stored events, read once per head advance and
 * shared by every live subscriber (so fifty subscribers cost one KV read per commit, not fifty).
 * Bounded by events and bytes; a subscriber behind it reads the log itself.
 * @module
 */
import type { EventLog, StoredEvent } from "../log/mod.ts";
import type { TopicMatcher } from "../log/mod.ts";
import { Wakeup } from "../wakeup.ts";

export interface LogTailOptions {
  /** Most events kept in memory. */
  readonly maxEvents: number;
  /** Most envelope bytes (JSON characters) kept in memory. */
  readonly maxBytes: number;
  readonly onError?: (err: unknown) => void;
}

/** Events read from the log per KV range scan when the tail refills. */
const REFILL_CHUNK = 4_096;

export class LogTail {
  readonly #log: EventLog;
  readonly #opts: LogTailOptions;
  /** Events base .. base + events.length - 1, gapless. */
  #events: StoredEvent[] = [];
  #start = 0; // index of the first live element of #events (amortised eviction)
  #base: number;
  #bytes = 0;
  #pumping: Promise<void> | null = null;
  #again = false;
  /** Notified whenever the tail grows or closes. */
  readonly #grown = new Wakeup();
  #unlisten: () => void;
  #closed = false;

  constructor(log: EventLog, opts: LogTailOptions) {
    this.#log = log;
    this.#opts = opts;
    this.#base = log.bounds().head;
    this.#unlisten = log.onHead((head, events) => this.#take(head, events));
  }

  /** Oldest offset held in memory. */
  get base(): number {
    return this.#base;
  }

  /** One past the newest offset held (the log head as far as the tail has read it). */
  get end(): number {
    return this.#base + this.#events.length - this.#start;
  }

  /**
   * Matching events from `from` (≥ base) on, at most `max`, none at or past `stop`; `next` is
   * where a reader continues (past every scanned event, matching or not).
   */
  slice(
    from: number,
    max: number,
    topics: TopicMatcher | undefined,
    stop = Infinity,
  ): { events: StoredEvent[]; next: number } {
    const out: StoredEvent[] = [];
    const end = Math.min(this.end, stop);
    let pos = Math.max(from, this.#base);
    while (pos < end && out.length < max) {
      const e = this.#events[this.#start + pos - this.#base];
      if (!topics || topics(e.topic)) out.push(e);
      pos++;
    }
    return { events: out, next: pos };
  }

  /** Resolves once the tail holds an event at or past `offset`, or the signal aborts. */
  async waitFor(offset: number, signal?: AbortSignal): Promise<void> {
    while (this.end <= offset && !this.#closed) await this.#grown.wait(signal);
  }

  /** Stops following the log and releases every waiter. */
  close(): void {
    this.#closed = true;
    this.#unlisten();
    this.#grown.notify();
  }

  /** Takes committed events straight from the log when they continue the tail; reads otherwise. */
  #take(head: number, events: readonly StoredEvent[]): void {
    if (!this.#pumping && events.length > 0 && events[0].offset <= this.end) {
      const from = this.end - events[0].offset;
      const fresh = events.slice(from, Math.max(from, head - events[0].offset));
      if (fresh.length > 0) {
        this.#append(fresh);
        this.#grown.notify();
      }
    }
    if (this.end < head) this.#schedule();
  }

  #schedule(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().catch((err) => this.#opts.onError?.(err)).finally(() => {
      this.#pumping = null;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#schedule();
      }
    });
  }

  async #pump(): Promise<void> {
    while (!this.#closed && this.end < this.#log.bounds().head) {
      const { first } = this.#log.bounds();
      if (this.end < first) this.#reset(first); // retention passed the tail (idle for long)
      const got: StoredEvent[] = [];
      for await (const e of this.#log.read(this.end, { limit: REFILL_CHUNK })) {
        if (e.offset !== this.end + got.length) break; // only gapless runs
        got.push(e);
      }
      if (got.length === 0) break;
      this.#append(got);
      this.#grown.notify();
    }
  }

  #append(events: StoredEvent[]): void {
    for (const e of events) {
      this.#events.push(e);
      this.#bytes += e.json.length;
    }
    const { maxEvents, maxBytes } = this.#opts;
    while (
      this.end - this.#base > 0 && (this.end - this.#base > maxEvents || this.#bytes > maxBytes)
    ) {
      this.#bytes -= this.#events[this.#start].json.length;
      this.#events[this.#start] = undefined as unknown as StoredEvent;
      this.#start++;
      this.#base++;
    }
    if (this.#start > 4_096 && this.#start * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#start);
      this.#start = 0;
    }
  }

  #reset(offset: number): void {
    this.#events = [];
    this.#start = 0;
    this.#bytes = 0;
    this.#base = offset;
  }
}
