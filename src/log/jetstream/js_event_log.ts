/**
 * The event log on a JetStream stream, shared by any number of bus processes.
 *
 * - Offsets are stream sequences minus one. The stream leader is the single writer that
 *   numbers messages, so offsets are gapless however many processes publish; the stored text
 *   leaves the offset out (`{"offset":N,` is put back on read), so no publisher needs to know
 *   its offset in advance and nothing has to retry on a conflict.
 * - Topics are subjects (topic_subject.ts); retention is the stream's max_age / max_msgs.
 * - Dedupe: a client event_id is the message id, so JetStream drops a second copy published
 *   within its duplicate window (a few minutes, kept in the servers' memory) and answers with
 *   the first copy's sequence. Beyond that window, every process keeps an index of the ids
 *   of the last `dedupeWindowMs` (rebuilt from the stream on open, fed by its tail) and answers
 *   duplicates from it: the tail is always far less than the server window behind.
 * - Every process tails the stream (an ordered consumer); the tail advances the head and hands
 *   new events, its own and other processes', to head listeners exactly once.
 * @module
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
} from "@nats-io/jetstream";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { BusError } from "../../errors.ts";
import {
  type AppendRequest,
  type AppendResult,
  type EventLog,
  type EventOutcome,
  type HeadListener,
  type LogBounds,
  logSaturated,
  type NewDeadLetter,
  type NewEvent,
  type ReadOptions,
  type StoredEvent,
  type TopicStats,
} from "../event_log.ts";
import { deadLetterJson, envelopeJson } from "../envelope_json.ts";
import { HeadNotifier } from "../head_notifier.ts";
import type { LogOptions } from "../stores.ts";
import type { TopicMatcher } from "../topic_pattern.ts";
import type { NatsNames } from "./connection.ts";
import { RecentIds } from "./recent_ids.ts";
import { headersRange, streamRange } from "./stream_range.ts";
import { ensureStream, mapLimited, streamBounds } from "./streams.ts";
import { subjectTopic, topicSubject } from "./topic_subject.ts";

/** The JetStream duplicate window we ask for; the id index covers the rest of dedupeWindowMs. */
const SERVER_DEDUPE_WINDOW_MS = 5 * 60_000;
/** How long an append waits for the tail to deliver its events before advancing the head. */
const TAIL_GRACE_MS = 2_000;
const FIRST_REFRESH_MS = 5_000;
const TAIL_RESTART_MS = 1_000;
// Messages one pull of the tail asks for: fewer pull requests under load.
const TAIL_PULL_MESSAGES = 1_000;
// Short pulls: the library notices a lost consumer after two missed heartbeats (half of this).
const TAIL_PULL_EXPIRES_MS = 5_000;
const PUBLISH_TIMEOUT_MS = 5_000;
const HDR_AT = "Jimbot-Received-At";
// The client event_id, for the id index (Nats-Msg-Id is what JetStream dedupes on).
const HDR_EVENT_ID = "Jimbot-Event-Id";
// The stored text is the envelope without its leading offset (and a dead letter without seq).
const OFFSET_PREFIX = '{"offset":0,'.length;
const SEQ_PREFIX = '{"seq":0,'.length;

/** What the JetStream log reports for store metrics. */
export interface JetStreamLogObserver {
  publishSeconds(seconds: number): void;
  pending(events: number): void;
}

export interface JetStreamLogOptions extends LogOptions {
  readonly replicas: number;
  /** JetStream's own duplicate window (capped by dedupeWindowMs); SERVER_DEDUPE_WINDOW_MS. */
  readonly serverDedupeWindowMs?: number;
  readonly storeObserver?: JetStreamLogObserver;
}

const ms = (n: number) => n * 1_000_000; // JetStream durations are nanoseconds

export class JetStreamEventLog implements EventLog {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: NatsNames;
  readonly #opts: JetStreamLogOptions;
  readonly #heads: HeadNotifier;
  #first: number;
  #head: number;
  /** Client event_ids of the dedupe window. */
  readonly #ids: RecentIds;
  /** Events the tail delivered that are not yet handed to listeners. */
  #fresh: StoredEvent[] = [];
  #flushQueued = false;
  #headWaiters: { target: number; resolve: () => void }[] = [];
  #lastStamp = 0;
  #pending = 0;
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;
  #stopTail: () => void = () => {};
  /** The newest stream sequence the tail has seen. */
  #tailSeq: number;
  #refresh: ReturnType<typeof setInterval> | undefined;

  private constructor(
    js: JetStreamClient,
    jsm: JetStreamManager,
    names: NatsNames,
    opts: JetStreamLogOptions,
    bounds: LogBounds,
  ) {
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
    this.#opts = opts;
    this.#heads = new HeadNotifier(opts.onBackgroundError);
    this.#ids = new RecentIds(opts.retention, () => this.#first);
    this.#first = bounds.first;
    this.#head = bounds.head;
    this.#tailSeq = bounds.head;
  }

  /** Creates (or updates) the streams, rebuilds the id index and starts tailing. */
  static async open(
    js: JetStreamClient,
    jsm: JetStreamManager,
    names: NatsNames,
    opts: JetStreamLogOptions,
  ): Promise<JetStreamEventLog> {
    const { maxAgeMs, maxEvents, dedupeWindowMs } = opts.retention;
    const common = {
      storage: StorageType.File,
      num_replicas: opts.replicas,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: ms(maxAgeMs),
    };
    const window = Math.max(
      1_000,
      Math.min(
        opts.serverDedupeWindowMs ?? SERVER_DEDUPE_WINDOW_MS,
        dedupeWindowMs,
        maxAgeMs > 0 ? maxAgeMs : Infinity,
      ),
    );
    await ensureStream(jsm, {
      ...common,
      name: names.events,
      subjects: [`${names.eventSubjects}.>`],
      max_msgs: maxEvents > 0 ? maxEvents : -1,
      duplicate_window: ms(window),
    });
    await ensureStream(jsm, {
      ...common,
      name: names.deadLetters,
      subjects: [names.deadLetterSubject],
    });
    const log = new JetStreamEventLog(js, jsm, names, opts, await streamBounds(jsm, names.events));
    await log.#rebuildIds();
    // Appends work without the tail (after a grace period): a tail that cannot start yet (a
    // node is down) must not keep the bus from starting.
    await log.#startTail().catch(() => log.#restartTail());
    if (maxAgeMs > 0 || maxEvents > 0) {
      log.#refresh = setInterval(() => log.#refreshFirst(), FIRST_REFRESH_MS);
    }
    return log;
  }

  bounds(): LogBounds {
    return { first: this.#first, head: this.#head };
  }

  /** Events published and not yet acknowledged by JetStream. */
  get pendingEvents(): number {
    return this.#pending;
  }

  onHead(listener: HeadListener): () => void {
    return this.#heads.listen(listener);
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new Error("the event log is closed"));
    const count = request.events.length + request.deadLetters.length;
    if (this.#pending > 0 && this.#pending + count > this.#opts.maxPendingEvents) {
      return Promise.reject(logSaturated(this.#pending));
    }
    this.#setPending(count);
    const run = this.#append(request).finally(() => {
      this.#setPending(-count);
      this.#inflight.delete(run);
    });
    this.#inflight.add(run);
    return run;
  }

  async *read(from: number, options: ReadOptions): AsyncIterable<StoredEvent> {
    let left = options.limit;
    const end = this.#head;
    const start = Math.max(from, this.#first);
    if (left <= 0 || start >= end) return;
    for await (const m of streamRange(this.#jsm, this.#names.events, start + 1, end)) {
      const e = this.#stored(m);
      if (options.topics && !options.topics(e.topic)) continue;
      yield e;
      if (--left === 0) return;
    }
  }

  async *readDeadLetters(from: number, limit: number): AsyncIterable<string> {
    if (limit <= 0) return;
    const info = await this.#jsm.streams.info(this.#names.deadLetters);
    const start = Math.max(from + 1, info.state.first_seq);
    let left = limit;
    for await (
      const m of streamRange(this.#jsm, this.#names.deadLetters, start, info.state.last_seq)
    ) {
      yield `{"seq":${m.seq - 1},${m.string()}`;
      if (--left === 0) return;
    }
  }

  async offsetAtTime(epochMs: number): Promise<number> {
    // received_at never decreases along the log: binary search over direct gets.
    let lo = this.#first;
    let hi = this.#head;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = await this.#receivedAtOf(mid);
      if (at === null) lo = mid + 1; // expired meanwhile
      else if (at >= epochMs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async topicStats(topics?: TopicMatcher): Promise<TopicStats[]> {
    const base = this.#names.eventSubjects;
    const info = await this.#jsm.streams.info(this.#names.events, {
      subjects_filter: `${base}.>`,
    });
    const counts = Object.entries(info.state.subjects ?? {})
      .map(([subject, events]) => ({ subject, name: subjectTopic(base, subject), events }))
      .filter((t) => !topics || topics(t.name));
    const stats = await mapLimited(counts, 32, async (t) => {
      const last = await this.#jsm.streams.getMessage(this.#names.events, {
        last_by_subj: t.subject,
      });
      return { name: t.name, events: t.events, lastOffset: (last?.seq ?? 0) - 1 };
    });
    return stats.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Stores events read from another log as they are (migration): same text, received_at and
   * order; offsets continue this log's. Their event_ids join the dedupe window.
   */
  async importEvents(events: readonly StoredEvent[]): Promise<void> {
    const acks = events.map((e) => {
      const h = natsHeaders();
      h.set(HDR_AT, String(e.receivedAt));
      // No message id: an id the source stored twice (a day apart) must be copied twice.
      h.set(HDR_EVENT_ID, JSON.parse(e.json).event_id);
      const body = e.json.slice(e.json.indexOf(",") + 1); // without its old offset
      return this.#publish(topicSubject(this.#names.eventSubjects, e.topic), body, { headers: h });
    });
    const last = (await Promise.all(acks)).at(-1);
    if (last) await this.#waitHead(last.seq);
  }

  /** Stores dead letters read from another log (each a line of JSON), in order. */
  async importDeadLetters(lines: readonly string[]): Promise<void> {
    await Promise.all(
      lines.map((l) =>
        this.#publish(this.#names.deadLetterSubject, l.slice(l.indexOf(",") + 1), {})
      ),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refresh);
    await Promise.allSettled([...this.#inflight]);
    this.#stopTail();
    for (const w of this.#headWaiters) w.resolve();
    this.#headWaiters = [];
  }

  async #append(request: AppendRequest): Promise<AppendResult> {
    const started = performance.now();
    const receivedAt = this.#stamp();
    let bytes = 0;
    const published = request.events.map((ev) => {
      const json = envelopeJson(ev, 0, receivedAt);
      bytes += json.length;
      return this.#publishEvent(ev, json.slice(OFFSET_PREFIX), receivedAt);
    });
    const letters = request.deadLetters.map((dl) => this.#publishDeadLetter(dl, receivedAt));
    const outcomes = await Promise.all(published);
    const deadLetterSeqs = await Promise.all(letters);
    const seconds = (performance.now() - started) / 1000;
    this.#opts.storeObserver?.publishSeconds(seconds);
    const newest = Math.max(-1, ...outcomes.map((o) => o.offset));
    await this.#waitHead(newest + 1);
    this.#opts.observer?.committed({
      events: outcomes.filter((o) => !o.duplicate).length + deadLetterSeqs.length,
      bytes,
      seconds,
      head: this.#head,
    });
    return { outcomes, deadLetterSeqs };
  }

  async #publishEvent(ev: NewEvent, body: string, receivedAt: number): Promise<EventOutcome> {
    const known = ev.clientEventId ? this.#ids.get(ev.event_id) : undefined;
    if (known) return { offset: known.offset, duplicate: true };
    const h = natsHeaders();
    h.set(HDR_AT, String(receivedAt));
    if (ev.clientEventId) h.set(HDR_EVENT_ID, ev.event_id);
    const ack = await this.#publish(topicSubject(this.#names.eventSubjects, ev.topic), body, {
      headers: h,
      msgID: ev.clientEventId ? ev.event_id : undefined,
    });
    return { offset: ack.seq - 1, duplicate: ack.duplicate };
  }

  async #publishDeadLetter(dl: NewDeadLetter, receivedAt: number): Promise<number> {
    const body = deadLetterJson(dl, 0, receivedAt).slice(SEQ_PREFIX);
    const ack = await this.#publish(this.#names.deadLetterSubject, body, {});
    return ack.seq - 1;
  }

  /** Publishes and waits for JetStream's ack; any failure is a 503 the client retries. */
  async #publish(
    subject: string,
    body: string,
    opts: { headers?: ReturnType<typeof natsHeaders>; msgID?: string },
  ) {
    try {
      return await this.#js.publish(subject, body, {
        ...opts,
        timeout: PUBLISH_TIMEOUT_MS,
        retries: 3,
      });
    } catch (err) {
      if (/max_payload/.test(String(err))) {
        throw new BusError("too_large", "An event is larger than the NATS server's max_payload", {
          details: [{ bytes: body.length }],
          cause: err,
        });
      }
      throw new BusError("not_ready", "The event store did not acknowledge the write; retry", {
        retryAfterS: 1,
        cause: err,
      });
    }
  }

  /** A received_at that never goes backwards in this process. */
  #stamp(): number {
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp);
    return this.#lastStamp;
  }

  #setPending(delta: number): void {
    this.#pending += delta;
    this.#opts.storeObserver?.pending(this.#pending);
  }

  /** Resolves once the head is at least `target` (by the tail, or after a grace period). */
  #waitHead(target: number): Promise<void> {
    if (this.#head >= target || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      // The acked events are durable whatever the tail does: after the grace period the head
      // moves without them (listeners then read them from the stream).
      const timer = setTimeout(() => {
        this.#headWaiters = this.#headWaiters.filter((w) => w !== waiter);
        this.#advance(target, []);
        resolve();
      }, TAIL_GRACE_MS);
      this.#headWaiters.push(waiter);
    });
  }

  #advance(head: number, events: StoredEvent[]): void {
    if (head <= this.#head) return;
    this.#head = head;
    this.#heads.notify(head, events);
    const due = this.#headWaiters.filter((w) => w.target <= head);
    if (due.length === 0) return;
    this.#headWaiters = this.#headWaiters.filter((w) => w.target > head);
    for (const w of due) w.resolve();
  }

  #stored(m: StoredMsg | JsMsg): StoredEvent {
    const offset = m.seq - 1;
    const headers = "header" in m ? m.header : m.headers;
    return {
      offset,
      topic: subjectTopic(this.#names.eventSubjects, m.subject),
      receivedAt: Number(headers?.get(HDR_AT)),
      json: `{"offset":${offset},${m.string()}`,
    };
  }

  /** Loads the ids of the dedupe window from the stream (headers only where it can). */
  async #rebuildIds(): Promise<void> {
    const since = Date.now() - this.#opts.retention.dedupeWindowMs;
    let next = (await this.offsetAtTime(since)) + 1;
    const take = (seq: number, h: MsgHdrs | undefined) => {
      next = seq + 1;
      const id = h?.get(HDR_EVENT_ID);
      if (id) this.#ids.remember(id, seq - 1, Number(h?.get(HDR_AT)));
    };
    try {
      await headersRange(this.#js, this.#names.events, next, this.#head, take);
    } catch {
      // The consumer could not start or stalled: continue by gets, slower but always answered.
      for await (const m of streamRange(this.#jsm, this.#names.events, next, this.#head)) {
        take(m.seq, m.header);
      }
    }
  }

  async #startTail(): Promise<void> {
    const consumer = await this.#js.consumers.get(this.#names.events, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.#tailSeq + 1,
    });
    const messages = await consumer.consume({
      callback: (m) => this.#onTail(m),
      max_messages: TAIL_PULL_MESSAGES,
      expires: TAIL_PULL_EXPIRES_MS,
    });
    let stopped = false;
    this.#stopTail = () => {
      stopped = true;
      messages.stop();
      consumer.delete().catch(() => {});
    };
    // The library recreates an ordered consumer itself; should it give up, start a new one.
    messages.closed().then(() => {
      if (!stopped && !this.#closed) this.#restartTail();
    });
  }

  #restartTail(): void {
    this.#opts.onBackgroundError?.(new Error("the JetStream tail stopped; restarting it"));
    setTimeout(() => {
      if (this.#closed) return;
      this.#startTail().catch(() => this.#restartTail());
    }, TAIL_RESTART_MS);
  }

  #onTail(m: JsMsg): void {
    if (m.seq <= this.#tailSeq) return; // a restarted tail may repeat what it handed over
    this.#tailSeq = m.seq;
    const e = this.#stored(m);
    const id = m.headers?.get(HDR_EVENT_ID);
    if (id) this.#ids.remember(id, e.offset, e.receivedAt);
    if (e.offset < this.#head) return; // the head already moved past it (grace period)
    this.#fresh.push(e);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      const events = this.#fresh.filter((x) => x.offset >= this.#head);
      this.#fresh = [];
      if (events.length) this.#advance(events[events.length - 1].offset + 1, events);
    });
  }

  async #receivedAtOf(offset: number): Promise<number | null> {
    const m = await this.#jsm.streams.getMessage(this.#names.events, { seq: offset + 1 });
    const at = m?.header?.get(HDR_AT);
    return at ? Number(at) : null;
  }

  async #refreshFirst(): Promise<void> {
    try {
      this.#first = Math.max(
        this.#first,
        (await streamBounds(this.#jsm, this.#names.events)).first,
      );
    } catch (err) {
      this.#opts.onBackgroundError?.(err);
    }
  }
}
