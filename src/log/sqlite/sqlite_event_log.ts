/**
 * The event log on SQLite (`node:sqlite`): one append-only table keyed by offset, in WAL mode.
 * Appends are grouped into rounds; each round is one transaction committed by the writer worker
 * (writer_worker.ts), so the fsync never blocks the event loop and many appends share it. The
 * main thread plans rounds (offsets, dedupe, envelope text) and reads on its own connection.
 * Large events need no chunking (a SQLite text value holds up to 1 GB).
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  EventOutcome,
  HeadListener,
  LogBounds,
  NewEvent,
  ReadOptions,
  StoredEvent,
  TopicStats,
} from "../event_log.ts";
import { AppendQueue, type PendingAppend } from "../_append_queue.ts";
import { idHash, IdIndex, indexRound } from "../_id_index.ts";
import { offsetAtTimeByReads } from "../_offset_search.ts";
import { deadLetterJson, envelopeJson } from "../envelope_json.ts";
import { HeadNotifier } from "../head_notifier.ts";
import type { LogOptions } from "../stores.ts";
import { TopicCounter } from "../topic_counter.ts";
import type { TopicMatcher } from "../topic_pattern.ts";
import type { AppendRound, Synchronous, WriterAnswer, WriterRequest } from "./protocol.ts";
import { RecentEvents } from "./recent_events.ts";
import { OrderedWorker } from "../../ordered_worker.ts";

export interface SqliteEventLogOptions extends LogOptions {
  /** How often retention and dedupe expiry run. */
  readonly sweepIntervalMs?: number;
  /** See {@linkcode Synchronous}; FULL unless given. */
  readonly synchronous?: Synchronous;
}

/** A round sent to the writer: what to settle, and what to publish, once it is durable. */
interface Round {
  readonly planned: readonly { readonly pending: PendingAppend; readonly result: AppendResult }[];
  readonly message: AppendRound;
  readonly fresh: readonly StoredEvent[];
  /** Index entries the round added, [hash, offset]. */
  readonly inserted: readonly [number, number][];
  readonly events: number;
  readonly bytes: number;
  readonly sentAt: number;
}

/** Most events planned into one round (one transaction). */
const ROUND_EVENTS = 8_000;
/** Rounds in the writer's queue at once: the next one is planned while one commits. */
const MAX_ROUNDS_IN_FLIGHT = 2;
/** A second round is sent before the first is durable only when this many events wait. */
const OVERLAP_MIN_EVENTS = 16;
const READ_PAGE = 256;
/** Envelope text of the newest events kept in memory for readers near the head. */
const RECENT_BYTES = 8 * 1024 * 1024;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** The writer worker: every transaction of the log, off the event loop. */
type Writer = OrderedWorker<WriterRequest, WriterAnswer>;

export class SqliteEventLog implements EventLog {
  readonly #opts: SqliteEventLogOptions;
  readonly #writer: Writer;
  #db!: DatabaseSync;
  #readPage!: StatementSync;
  #readClientId!: StatementSync;
  #readDeadLetters!: StatementSync;
  readonly #index = new IdIndex();
  readonly #topics = new TopicCounter();
  readonly #recent = new RecentEvents(RECENT_BYTES);
  readonly #heads: HeadNotifier;
  #head = 0;
  #first = 0;
  #deadLetterHead = 0;
  #plannedHead = 0;
  #plannedDeadLetterHead = 0;
  /** Client ids of planned events whose commit is in flight, by offset. */
  readonly #uncommittedIds = new Map<number, string>();
  readonly #appends: AppendQueue;
  readonly #inFlight: Round[] = [];
  #drained: PromiseWithResolvers<void> | null = null;
  #failure: unknown = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<void> | null = null;

  private constructor(opts: SqliteEventLogOptions, writer: Writer) {
    this.#opts = opts;
    this.#writer = writer;
    this.#heads = new HeadNotifier(opts.onBackgroundError);
    this.#appends = new AppendQueue(opts.maxPendingEvents);
  }

  /** Opens (creating) the log file at `path` and loads positions, topics and the dedupe index. */
  static async open(path: string, opts: SqliteEventLogOptions): Promise<SqliteEventLog> {
    const writer: Writer = new OrderedWorker(
      new URL("./writer_worker.ts", import.meta.url),
      "the SQLite log writer",
    );
    const log = new SqliteEventLog(opts, writer);
    try {
      const { positions } = await writer.request({
        kind: "open",
        path,
        synchronous: opts.synchronous ?? "FULL",
      });
      log.#head = log.#plannedHead = positions!.head;
      log.#deadLetterHead = log.#plannedDeadLetterHead = positions!.deadLetterHead;
      log.#first = positions!.first;
      log.#openReader(path);
      await log.#load();
    } catch (err) {
      log.#db?.close();
      writer.terminate();
      throw err;
    }
    log.#sweepTimer = setInterval(
      () => log.#sweep(),
      opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    );
    return log;
  }

  bounds(): LogBounds {
    return { first: this.#first, head: this.#head };
  }

  /** Events accepted and waiting for their commit (the saturation measure). */
  get pendingEvents(): number {
    return this.#appends.pendingEvents;
  }

  onHead(listener: HeadListener): () => void {
    return this.#heads.listen(listener);
  }

  offsetAtTime(epochMs: number): Promise<number> {
    return offsetAtTimeByReads(this, epochMs);
  }

  topicStats(topics?: TopicMatcher): Promise<TopicStats[]> {
    return Promise.resolve(this.#topics.list(topics));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new Error("the event log is closed"));
    if (this.#failure) return Promise.reject(this.#failure);
    const appended = this.#appends.add(request);
    this.#pump();
    return appended;
  }

  async *read(from: number, options: ReadOptions): AsyncIterable<StoredEvent> {
    let offset = Math.max(from, this.#first);
    let left = options.limit;
    while (left > 0 && offset < this.#head) {
      // A page at a time, from memory near the head, else read synchronously and yielded after
      // (the connection is never held across an await).
      const rows = offset >= this.#recent.first
        ? this.#recent.slice(offset, Math.min(left, READ_PAGE))
        : this.#readRows(offset, Math.min(left, READ_PAGE, this.#recent.first - offset));
      if (rows.length === 0) return;
      const page = options.topics ? rows.filter((e) => options.topics!(e.topic)) : rows;
      if (page.length > left) page.length = left;
      offset = rows[rows.length - 1].offset + 1;
      left -= page.length;
      yield* page;
    }
  }

  #readRows(offset: number, limit: number): StoredEvent[] {
    const rows = this.#readPage.all(offset, this.#head, limit) as unknown as EventRow[];
    return rows.map((row) => ({
      offset: row.position,
      topic: row.topic,
      receivedAt: row.received_at,
      json: row.json,
    }));
  }

  async *readDeadLetters(from: number, limit: number): AsyncIterable<string> {
    let seq = from;
    let left = limit;
    while (left > 0) {
      const rows = this.#readDeadLetters.all(seq, Math.min(left, READ_PAGE)) as unknown as {
        seq: number;
        json: string;
      }[];
      if (rows.length === 0) return;
      seq = rows[rows.length - 1].seq + 1;
      left -= rows.length;
      yield* rows.map((r) => r.json);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    while (this.#appends.length > 0 || this.#inFlight.length > 0) {
      this.#drained ??= Promise.withResolvers();
      await this.#drained.promise;
    }
    await this.#sweeping;
    try {
      await this.#writer.request({ kind: "close" });
    } finally {
      this.#writer.terminate();
      this.#db.close();
    }
  }

  // ---- write path ----

  #pump(): void {
    while (
      this.#appends.length > 0 && this.#inFlight.length < MAX_ROUNDS_IN_FLIGHT &&
      (this.#inFlight.length === 0 || this.#appends.queuedEvents >= OVERLAP_MIN_EVENTS)
    ) {
      const pending = this.#appends.take(ROUND_EVENTS);
      let round: Round;
      try {
        round = this.#plan(pending);
      } catch (err) {
        for (const p of pending) this.#appends.fail(p, err);
        continue;
      }
      this.#inFlight.push(round);
      this.#writer.request(round.message).then(
        () => this.#committed(round),
        (err) => this.#failed(round, err),
      );
    }
    if (this.#appends.length === 0 && this.#inFlight.length === 0) this.#drained?.resolve();
  }

  /** Offsets, dedupe and envelope text for a round; synchronous, so rounds never interleave. */
  #plan(pending: PendingAppend[]): Round {
    const receivedAt = Date.now();
    const from = this.#plannedHead;
    const deadLetterFrom = this.#plannedDeadLetterHead;
    const topics: string[] = [];
    const ids: (string | null)[] = [];
    const jsons: string[] = [];
    const deadLetters: string[] = [];
    const fresh: StoredEvent[] = [];
    const roundIds = new Map<string, number>();
    const deltas = new Map<string, [string, number, number]>();
    let bytes = 0;
    const planned = pending.map((p) => {
      const outcomes: EventOutcome[] = p.request.events.map((ev) => {
        const earlier = this.#findDuplicate(ev, roundIds);
        if (earlier !== undefined) return { offset: earlier, duplicate: true };
        const offset = from + jsons.length;
        const json = envelopeJson(ev, offset, receivedAt);
        topics.push(ev.topic);
        ids.push(ev.clientEventId ? ev.event_id : null);
        jsons.push(json);
        bytes += json.length;
        fresh.push({ offset, topic: ev.topic, receivedAt, json });
        const delta = deltas.get(ev.topic);
        if (delta) {
          delta[1]++;
          delta[2] = offset;
        } else deltas.set(ev.topic, [ev.topic, 1, offset]);
        if (ev.clientEventId) roundIds.set(ev.event_id, offset);
        return { offset, duplicate: false };
      });
      const deadLetterSeqs = p.request.deadLetters.map((dl) => {
        const seq = deadLetterFrom + deadLetters.length;
        const line = deadLetterJson(dl, seq, receivedAt);
        deadLetters.push(line);
        bytes += line.length;
        return seq;
      });
      return { pending: p, result: { outcomes, deadLetterSeqs } };
    });
    // Only once the whole round is planned (nothing above threw): its ids join the index.
    const inserted = indexRound(roundIds, this.#index, this.#uncommittedIds);
    this.#plannedHead = from + jsons.length;
    this.#plannedDeadLetterHead = deadLetterFrom + deadLetters.length;
    return {
      planned,
      message: {
        kind: "append",
        receivedAt,
        from,
        topics,
        ids,
        jsons,
        deadLetterFrom,
        deadLetters,
        topicDeltas: [...deltas.values()],
      },
      fresh,
      inserted,
      events: jsons.length + deadLetters.length,
      bytes,
      sentAt: performance.now(),
    };
  }

  /** Offset of an already stored (or planned) event with the same client id. */
  #findDuplicate(ev: NewEvent, roundIds: Map<string, number>): number | undefined {
    if (!ev.clientEventId) return undefined;
    const inRound = roundIds.get(ev.event_id);
    if (inRound !== undefined) return inRound;
    // A hash hit is only a candidate: confirm it against the stored (or in-flight) id.
    for (const offset of this.#index.lookup(idHash(ev.event_id))) {
      const id = offset >= this.#head
        ? this.#uncommittedIds.get(offset)
        : (this.#readClientId.get(offset) as { client_id: string | null } | undefined)?.client_id;
      if (id === ev.event_id) return offset;
    }
    return undefined;
  }

  /** The writer made the oldest round in flight durable: advance, publish, settle. */
  #committed(round: Round): void {
    this.#inFlight.shift();
    const { message } = round;
    for (const [, offset] of round.inserted) this.#uncommittedIds.delete(offset);
    this.#head = message.from + message.jsons.length;
    this.#deadLetterHead = message.deadLetterFrom + message.deadLetters.length;
    this.#topics.add(round.fresh);
    this.#recent.add(round.fresh);
    this.#opts.observer?.committed({
      events: round.events,
      bytes: round.bytes,
      seconds: (performance.now() - round.sentAt) / 1000,
      head: this.#head,
    });
    this.#heads.notify(this.#head, round.fresh);
    for (const { pending, result } of round.planned) this.#appends.settle(pending, result);
    if (this.#index.size > this.#opts.retention.dedupeMaxIds * 1.25) {
      this.#index.pruneBelow(this.#head - this.#opts.retention.dedupeMaxIds);
    }
    this.#pump();
  }

  /**
   * A commit failed: the writer refuses every later round too, so nothing past the hole lands;
   * the log refuses appends until a restart, and nothing unacknowledged is reported as stored.
   */
  #failed(round: Round, err: unknown): void {
    this.#inFlight.shift();
    this.#failure ??= err;
    for (const [hash, offset] of round.inserted) {
      this.#index.remove(hash, offset);
      this.#uncommittedIds.delete(offset);
    }
    for (const p of [...round.planned.map((p) => p.pending), ...this.#appends.takeAll()]) {
      this.#appends.fail(p, err);
    }
    this.#pump();
  }

  // ---- reads, start-up and background ----

  #openReader(path: string): void {
    this.#db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 });
    this.#readPage = this.#db.prepare(
      `SELECT position, received_at, topic, json FROM events
       WHERE position >= ? AND position < ? ORDER BY position LIMIT ?`,
    );
    this.#readClientId = this.#db.prepare("SELECT client_id FROM events WHERE position = ?");
    this.#readDeadLetters = this.#db.prepare(
      "SELECT seq, json FROM dead_letters WHERE seq >= ? ORDER BY seq LIMIT ?",
    );
  }

  /** Topic counts and the ids of the dedupe window. */
  async #load(): Promise<void> {
    for (const row of this.#db.prepare("SELECT name, events, last_offset FROM topics").iterate()) {
      this.#topics.restore(row.name as string, {
        events: Number(row.events),
        lastOffset: Number(row.last_offset),
      });
    }
    const ids = this.#db.prepare(
      "SELECT position, client_id FROM events WHERE position >= ? AND client_id IS NOT NULL",
    );
    for (const row of ids.iterate(await this.#dedupeFloor()) as Iterable<IdRow>) {
      this.#index.insert(idHash(row.client_id), row.position);
    }
  }

  /** The oldest offset whose client id is still remembered. */
  async #dedupeFloor(): Promise<number> {
    const { dedupeWindowMs, dedupeMaxIds } = this.#opts.retention;
    const since = await this.offsetAtTime(Date.now() - dedupeWindowMs);
    return Math.max(since, this.#head - dedupeMaxIds);
  }

  #sweep(): void {
    if (this.#sweeping || this.#closed || this.#failure) return;
    this.#sweeping = (async () => {
      this.#index.pruneBelow(await this.#dedupeFloor());
      const { maxAgeMs, maxEvents } = this.#opts.retention;
      if (maxAgeMs === 0 && maxEvents === 0) return;
      const reply = await this.#writer.request({
        kind: "sweep",
        keepFrom: maxEvents > 0 ? this.#head - maxEvents : 0,
        oldest: maxAgeMs > 0 ? Date.now() - maxAgeMs : -1,
      });
      this.#first = Math.max(this.#first, reply.first ?? this.#first);
    })().catch((err) => this.#opts.onBackgroundError?.(err)).finally(() => {
      this.#sweeping = null;
    });
  }
}

interface EventRow {
  readonly position: number;
  readonly received_at: number;
  readonly topic: string;
  readonly json: string;
}
interface IdRow {
  readonly position: number;
  readonly client_id: string;
}
