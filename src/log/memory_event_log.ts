/**
 * The event log in memory: the same contract as the KV log (offsets, dedupe, dead letters,
 * head listeners, time→offset, topic statistics, retention), for in-process tests and for a
 * bus that needs no durability. Its data lives in a {@linkcode MemoryLogData} the caller may
 * keep, so "reopening" it (a restart in a test) sees what was stored.
 * @module
 */
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  EventOutcome,
  HeadListener,
  LogBounds,
  ReadOptions,
  StoredEvent,
  TopicStats,
} from "./event_log.ts";
import { deadLetterJson, envelopeJson } from "./envelope_json.ts";
import { HeadNotifier } from "./head_notifier.ts";
import type { LogOptions } from "./stores.ts";
import { TopicCounter } from "./topic_counter.ts";
import type { TopicMatcher } from "./topic_pattern.ts";

/** Everything a memory log stores; survives the log object (see the module comment). */
export class MemoryLogData {
  /** Retained events; events[i].offset === first + i. */
  events: StoredEvent[] = [];
  first = 0;
  deadLetters: { seq: number; receivedAt: number; line: string }[] = [];
  deadLetterHead = 0;
  /** Client event_id → offset, oldest first (Map order). */
  readonly ids = new Map<string, { offset: number; receivedAt: number }>();
  readonly topics = new TopicCounter();

  get head(): number {
    return this.first + this.events.length;
  }
}

export class MemoryEventLog implements EventLog {
  readonly #data: MemoryLogData;
  readonly #opts: LogOptions;
  readonly #heads: HeadNotifier;
  #closed = false;

  constructor(opts: LogOptions, data: MemoryLogData = new MemoryLogData()) {
    this.#opts = opts;
    this.#data = data;
    this.#heads = new HeadNotifier(opts.onBackgroundError);
  }

  bounds(): LogBounds {
    return { first: this.#data.first, head: this.#data.head };
  }

  /** Appends are stored at once: nothing ever waits. */
  get pendingEvents(): number {
    return 0;
  }

  onHead(listener: HeadListener): () => void {
    return this.#heads.listen(listener);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) throw new Error("the event log is closed");
    await Promise.resolve(); // settle like a store would: never inside the caller's turn
    const started = performance.now();
    const data = this.#data;
    const receivedAt = Date.now();
    const fresh: StoredEvent[] = [];
    const outcomes = request.events.map((ev): EventOutcome => {
      const earlier = ev.clientEventId ? data.ids.get(ev.event_id) : undefined;
      if (earlier !== undefined) return { offset: earlier.offset, duplicate: true };
      const offset = data.head;
      const stored = {
        offset,
        topic: ev.topic,
        receivedAt,
        json: envelopeJson(ev, offset, receivedAt),
      };
      data.events.push(stored);
      fresh.push(stored);
      if (ev.clientEventId) data.ids.set(ev.event_id, { offset, receivedAt });
      return { offset, duplicate: false };
    });
    const deadLetterSeqs = request.deadLetters.map((dl) => {
      const seq = data.deadLetterHead++;
      data.deadLetters.push({ seq, receivedAt, line: deadLetterJson(dl, seq, receivedAt) });
      return seq;
    });
    data.topics.add(fresh);
    this.#expire(receivedAt);
    this.#opts.observer?.committed({
      events: fresh.length + deadLetterSeqs.length,
      bytes: fresh.reduce((n, e) => n + e.json.length, 0),
      seconds: (performance.now() - started) / 1000,
      head: data.head,
    });
    this.#heads.notify(data.head, fresh);
    return { outcomes, deadLetterSeqs };
  }

  async *read(from: number, options: ReadOptions): AsyncIterable<StoredEvent> {
    let left = options.limit;
    if (left <= 0) return;
    // Positions are recomputed per event: retention may drop events while the reader waits.
    for (let offset = Math.max(from, this.#data.first); offset < this.#data.head; offset++) {
      offset = Math.max(offset, this.#data.first);
      const e = this.#data.events[offset - this.#data.first];
      if (options.topics && !options.topics(e.topic)) continue;
      yield e;
      if (--left === 0) return;
    }
  }

  async *readDeadLetters(from: number, limit: number): AsyncIterable<string> {
    let left = limit;
    for (const dl of this.#data.deadLetters) {
      if (left <= 0) return;
      if (dl.seq < from) continue;
      yield dl.line;
      left--;
    }
  }

  offsetAtTime(epochMs: number): Promise<number> {
    const { events, first } = this.#data;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid].receivedAt >= epochMs) hi = mid;
      else lo = mid + 1;
    }
    return Promise.resolve(first + lo);
  }

  topicStats(topics?: TopicMatcher): Promise<TopicStats[]> {
    return Promise.resolve(this.#data.topics.list(topics));
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Retention and the dedupe window, applied as appends arrive. */
  #expire(now: number): void {
    const data = this.#data;
    const { maxAgeMs, maxEvents, dedupeWindowMs, dedupeMaxIds } = this.#opts.retention;
    let drop = maxEvents > 0 ? Math.max(0, data.events.length - maxEvents) : 0;
    if (maxAgeMs > 0) {
      while (drop < data.events.length && data.events[drop].receivedAt < now - maxAgeMs) drop++;
      const keep = data.deadLetters.findIndex((dl) => dl.receivedAt >= now - maxAgeMs);
      data.deadLetters.splice(0, keep === -1 ? data.deadLetters.length : keep);
    }
    if (drop > 0) {
      data.events.splice(0, drop);
      data.first += drop;
    }
    for (const [id, { offset, receivedAt }] of data.ids) {
      const inWindow = receivedAt >= now - dedupeWindowMs && offset >= data.head - dedupeMaxIds;
      if (inWindow && offset >= data.first) break;
      data.ids.delete(id);
    }
  }
}
