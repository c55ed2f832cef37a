/**
 * The event log on Deno KV: group commit (concurrent appends share KV commits), gapless
 * offsets, idempotency by client event_id, chunked large events, dead letters, retention.
 * Owns no HTTP and no parsing; the Deno.Kv handle is opened and closed by its owner.
 * @module
 */
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
} from "./event_log.ts";
import {
  BlockWriter,
  type CommitUnit,
  type DeadLetterValue,
  decodeBlock,
  type IdxValue,
  KEY,
  keyPosition,
  VALUE_BYTES,
} from "./_blocks.ts";
import { AppendQueue, type PendingAppend } from "./_append_queue.ts";
import { idHash, IdIndex, indexRound } from "./_id_index.ts";
import { offsetAtTimeByReads } from "./_offset_search.ts";
import { sweepRetention } from "./_retention.ts";
import { deadLetterJson, envelopeJson } from "./envelope_json.ts";
import { HeadNotifier } from "./head_notifier.ts";
import { KvTopicStats } from "./kv_topic_stats.ts";
import type { LogOptions } from "./stores.ts";
import type { TopicMatcher } from "./topic_pattern.ts";

export interface KvEventLogOptions extends LogOptions {
  /** How often retention and dedupe expiry run. */
  readonly sweepIntervalMs?: number;
}

/** A planned round: its commits and, per append, the outcome to give once they are durable. */
interface RoundPlan {
  readonly receivedAt: number;
  readonly planned: readonly {
    readonly pending: PendingAppend;
    readonly result: AppendResult;
    readonly needHead: number;
    readonly needDeadLetterHead: number;
  }[];
  readonly units: readonly CommitUnit[];
  readonly fresh: readonly StoredEvent[];
  /** Index entries the round added, [hash, offset]. */
  readonly inserted: readonly [number, number][];
}

/** Most events planned into one round of commits. */
const ROUND_EVENTS = 8_000;
/** Rounds whose commits may be in flight together (see the write path). */
const MAX_ROUNDS_IN_FLIGHT = 4;
/**
 * A round overlaps one in flight only when this many events are waiting: Deno KV's commit rate
 * is fixed (one SQLite writer), so a few waiting appends do better in the next, larger round
 * (measured with 32 single-event clients: 16 beat 4, 8, 24 and never overlapping).
 */
const OVERLAP_MIN_EVENTS = 16;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const decoder = new TextDecoder();

export class KvEventLog implements EventLog {
  readonly #kv: Deno.Kv;
  readonly #opts: KvEventLogOptions;
  readonly #index = new IdIndex();
  readonly #scratch = new Uint8Array(VALUE_BYTES);
  readonly #heads: HeadNotifier;
  #topics: KvTopicStats | null = null;
  /** (offset, received_at) at most once a second: maps the dedupe window to offsets. */
  readonly #marks: { offset: number; t: number }[] = [];
  #head = 0;
  #first = 0;
  #deadLetterHead = 0;
  /** Next offset and dead-letter sequence to plan (ahead of the committed ones). */
  #plannedHead = 0;
  #plannedDeadLetterHead = 0;
  /** Client ids of planned events whose commit is in flight, by offset. */
  readonly #uncommittedIds = new Map<number, string>();
  readonly #appends: AppendQueue;
  #planning = false;
  #roundsInFlight = 0;
  readonly #inFlight = new Set<Promise<void>>();
  /** The completion of the newest round: each round completes after the one before. */
  #completed: Promise<void> = Promise.resolve();
  /** Set when a commit failed: the log refuses appends from then on. */
  #failure: unknown = null;
  #closed = false;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<void> | null = null;

  private constructor(kv: Deno.Kv, opts: KvEventLogOptions) {
    this.#kv = kv;
    this.#opts = opts;
    this.#heads = new HeadNotifier(opts.onBackgroundError);
    this.#appends = new AppendQueue(opts.maxPendingEvents);
  }

  /** Loads positions and the dedupe index, removes debris of an interrupted commit. */
  static async open(kv: Deno.Kv, opts: KvEventLogOptions): Promise<KvEventLog> {
    const log = new KvEventLog(kv, opts);
    await log.#load();
    log.#topics = await KvTopicStats.open(kv, log, (err) => opts.onBackgroundError?.(err));
    log.#sweepTimer = setInterval(
      () => log.#sweep(),
      opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    );
    log.#sweep();
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
    return this.#topics!.list(topics);
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
    if (left <= 0 || offset >= this.#head) return;
    const start = await this.#blockContaining(offset);
    const iter = this.#kv.list<Uint8Array>(
      { start: KEY.block(start), end: KEY.block(Number.MAX_SAFE_INTEGER) },
      { batchSize: 16 },
    );
    for await (const entry of iter) {
      const first = keyPosition(entry.key);
      const { header, lines } = decodeBlock(entry.value);
      for (let i = Math.max(0, offset - first); i < lines.length; i++) {
        const topic = header.topics[i];
        if (options.topics && !options.topics(topic)) continue;
        const json = header.chunked?.includes(i) ? await this.#readChunks(first + i) : lines[i];
        yield { offset: first + i, topic, receivedAt: header.t, json };
        if (--left === 0) return;
      }
      offset = first + lines.length;
    }
  }

  async *readDeadLetters(from: number, limit: number): AsyncIterable<string> {
    if (limit <= 0) return;
    const iter = this.#kv.list<DeadLetterValue>({
      start: KEY.deadLetter(from),
      end: KEY.deadLetter(Number.MAX_SAFE_INTEGER),
    }, { limit });
    for await (const entry of iter) {
      const seq = keyPosition(entry.key);
      if (entry.value.line) {
        yield decoder.decode(entry.value.line);
        continue;
      }
      const parts: Uint8Array[] = [];
      for await (const c of this.#kv.list<Uint8Array>({ prefix: KEY.deadLetterChunks(seq) })) {
        parts.push(c.value);
      }
      yield decoder.decode(concat(parts));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    await this.#sweeping;
    await this.#topics?.close();
  }

  // ---- write path ----
  //
  // Rounds are planned one at a time, in order (offsets, dedupe), and their commits are issued in
  // that order without waiting for the previous round: Deno KV applies commits in the order they
  // are issued (one SQLite writer), so a later round is never durable before an earlier one, and
  // overlapping rounds hides the commit latency. Rounds complete, and appends settle, in order.

  #pump(): void {
    while (
      !this.#planning && this.#roundsInFlight < MAX_ROUNDS_IN_FLIGHT && this.#appends.length > 0 &&
      (this.#roundsInFlight === 0 || this.#appends.queuedEvents >= OVERLAP_MIN_EVENTS)
    ) {
      const round = this.#appends.take(ROUND_EVENTS);
      this.#planning = true;
      this.#roundsInFlight++;
      const work = this.#runRound(round).finally(() => {
        this.#roundsInFlight--;
        this.#inFlight.delete(work);
        this.#pump();
      });
      this.#inFlight.add(work);
    }
  }

  async #runRound(round: PendingAppend[]): Promise<void> {
    let plan: RoundPlan;
    let commits: Promise<Deno.KvCommitResult | Deno.KvCommitError>[];
    try {
      const storedIds = await this.#confirmCandidates(round);
      plan = this.#planRound(round, storedIds);
      commits = plan.units.map((unit) => this.#issue(unit));
    } catch (err) {
      for (const p of round) this.#appends.fail(p, err);
      return;
    } finally {
      this.#planning = false;
    }
    const issuedAt = performance.now();
    this.#pump(); // the next round plans while this one's commits are in flight
    const completed = this.#completed.then(() => this.#completeRound(plan, commits, issuedAt));
    this.#completed = completed;
    await completed;
  }

  /** Offsets, dedupe and blocks for a round; synchronous, so rounds never interleave here. */
  #planRound(round: PendingAppend[], storedIds: Map<number, string | null>): RoundPlan {
    const receivedAt = Date.now();
    const writer = new BlockWriter(
      this.#plannedHead,
      this.#plannedDeadLetterHead,
      receivedAt,
      this.#scratch,
    );
    const roundIds = new Map<string, number>();
    const fresh: StoredEvent[] = []; // handed to head listeners: live readers skip a KV read
    const planned = round.map((p) => {
      let needHead = 0;
      let needDeadLetterHead = 0;
      const outcomes: EventOutcome[] = p.request.events.map((ev) => {
        const earlier = this.#findDuplicate(ev, roundIds, storedIds);
        if (earlier !== undefined) {
          needHead = Math.max(needHead, earlier + 1);
          return { offset: earlier, duplicate: true };
        }
        const offset = writer.nextOffset;
        const json = envelopeJson(ev, offset, receivedAt);
        writer.addEvent(json, ev.topic, ev.clientEventId ? ev.event_id : null);
        fresh.push({ offset, topic: ev.topic, receivedAt, json });
        if (ev.clientEventId) roundIds.set(ev.event_id, offset);
        needHead = offset + 1;
        return { offset, duplicate: false };
      });
      const deadLetterSeqs = p.request.deadLetters.map((dl) => {
        const seq = writer.nextDeadLetterSeq;
        writer.addDeadLetter(deadLetterJson(dl, seq, receivedAt));
        needDeadLetterHead = seq + 1;
        return seq;
      });
      return { pending: p, result: { outcomes, deadLetterSeqs }, needHead, needDeadLetterHead };
    });
    const units = writer.finish();
    // Only once the whole round is planned (nothing above threw): its ids join the index.
    const inserted = indexRound(roundIds, this.#index, this.#uncommittedIds);
    this.#plannedHead = writer.nextOffset;
    this.#plannedDeadLetterHead = writer.nextDeadLetterSeq;
    return { receivedAt, planned, units, fresh, inserted };
  }

  /** Starts one commit now (so commits reach Deno KV in plan order). */
  #issue(unit: CommitUnit): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const op = this.#kv.atomic();
    for (const [key, value] of unit.sets) op.set(key, value);
    op.set(KEY.head, unit.head);
    op.set(KEY.deadLetterHead, unit.deadLetterHead);
    return op.commit();
  }

  /** Waits for a round's commits (after every earlier round's), then settles its appends. */
  async #completeRound(
    plan: RoundPlan,
    commits: Promise<Deno.KvCommitResult | Deno.KvCommitError>[],
    issuedAt: number,
  ): Promise<void> {
    const { planned } = plan;
    let next = 0;
    try {
      let durable = 0; // plan.fresh before this index is committed (it is in offset order)
      for (let i = 0; i < plan.units.length; i++) {
        const res = await commits[i];
        if (!res.ok) throw new Error("Deno KV refused a commit of the event log");
        const from = durable;
        while (durable < plan.fresh.length && plan.fresh[durable].offset < plan.units[i].head) {
          durable++;
        }
        this.#advance(plan.units[i], plan.receivedAt, plan.fresh.slice(from, durable), issuedAt);
      }
      for (; next < planned.length; next++) {
        const { needHead, needDeadLetterHead } = planned[next];
        if (needHead > this.#head || needDeadLetterHead > this.#deadLetterHead) {
          throw new Error("a commit round ended with unsettled appends");
        }
        this.#appends.settle(planned[next].pending, planned[next].result);
      }
    } catch (err) {
      // Storage failed: later rounds may still land, leaving a hole, so the log stops taking
      // appends until a restart; nothing unacknowledged is reported as stored.
      this.#failure ??= err;
      for (const [hash, offset] of plan.inserted) {
        if (offset >= this.#head) this.#index.remove(hash, offset);
      }
      for (; next < planned.length; next++) {
        this.#appends.fail(planned[next].pending, err);
      }
    } finally {
      for (const [, offset] of plan.inserted) this.#uncommittedIds.delete(offset);
    }
    if (this.#index.size > this.#opts.retention.dedupeMaxIds * 1.25) {
      this.#index.pruneBelow(this.#head - this.#opts.retention.dedupeMaxIds);
    }
  }

  #advance(
    unit: CommitUnit,
    receivedAt: number,
    fresh: readonly StoredEvent[],
    issuedAt: number,
  ): void {
    if (unit.head > this.#head) {
      const last = this.#marks.at(-1);
      if (!last || receivedAt - last.t >= 1000) {
        this.#marks.push({ offset: this.#head, t: receivedAt });
      }
    }
    this.#head = unit.head;
    this.#deadLetterHead = unit.deadLetterHead;
    this.#opts.observer?.committed({
      events: unit.events,
      bytes: unit.bytes,
      seconds: (performance.now() - issuedAt) / 1000,
      head: unit.head,
    });
    this.#topics?.add(fresh);
    this.#heads.notify(unit.head, fresh);
  }

  /** Offset of an already stored (or earlier in this round) event with the same client id. */
  #findDuplicate(
    ev: NewEvent,
    roundIds: Map<string, number>,
    storedIds: Map<number, string | null>,
  ): number | undefined {
    if (!ev.clientEventId) return undefined;
    const inRound = roundIds.get(ev.event_id);
    if (inRound !== undefined) return inRound;
    for (const offset of this.#index.lookup(idHash(ev.event_id))) {
      if (storedIds.get(offset) === ev.event_id) return offset;
    }
    return undefined;
  }

  /** Reads the stored ids behind every index hit of the round: a hash hit is only a candidate. */
  async #confirmCandidates(round: PendingAppend[]): Promise<Map<number, string | null>> {
    const ids = new Map<number, string | null>();
    for (const p of round) {
      for (const ev of p.request.events) {
        if (!ev.clientEventId) continue;
        for (const offset of this.#index.lookup(idHash(ev.event_id))) {
          if (ids.has(offset)) continue;
          if (offset >= this.#head) {
            // Planned by a round whose commit is still in flight: its id is in memory. Taken
            // now, since that round may complete (and forget it) before this one is planned.
            ids.set(offset, this.#uncommittedIds.get(offset) ?? null);
            continue;
          }
          const first = await this.#blockContaining(offset);
          const idx = (await this.#kv.get<IdxValue>(KEY.idx(first))).value;
          idx?.ids.forEach((id, i) => ids.set(first + i, id));
          if (!ids.has(offset)) ids.set(offset, null); // removed by retention meanwhile
        }
      }
    }
    return ids;
  }

  // ---- read helpers ----

  async #blockContaining(offset: number): Promise<number> {
    const iter = this.#kv.list({ start: KEY.idx(0), end: KEY.idx(offset + 1) }, {
      reverse: true,
      limit: 1,
    });
    for await (const entry of iter) return keyPosition(entry.key);
    return offset;
  }

  async #readChunks(offset: number): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const c of this.#kv.list<Uint8Array>({ prefix: KEY.chunks(offset) })) {
      parts.push(c.value);
    }
    return decoder.decode(concat(parts));
  }

  // ---- start-up and background ----

  async #load(): Promise<void> {
    const [head, dlHead, first] = await this.#kv.getMany<number[]>([
      KEY.head,
      KEY.deadLetterHead,
      KEY.first,
    ]);
    this.#head = head.value ?? 0;
    this.#deadLetterHead = dlHead.value ?? 0;
    this.#first = first.value ?? 0;
    this.#plannedHead = this.#head;
    this.#plannedDeadLetterHead = this.#deadLetterHead;
    await this.#removeDebris();
    // The newest ids within the window, newest first, up to the configured number.
    const { dedupeWindowMs, dedupeMaxIds } = this.#opts.retention;
    const since = Date.now() - dedupeWindowMs;
    const marks: { offset: number; t: number }[] = [];
    const iter = this.#kv.list<IdxValue>({ prefix: KEY.idxs }, { reverse: true, batchSize: 256 });
    for await (const entry of iter) {
      const first = keyPosition(entry.key);
      if (entry.value.t < since || this.#head - first > dedupeMaxIds) break;
      entry.value.ids.forEach((id, i) => {
        if (id !== null) this.#index.insert(idHash(id), first + i);
      });
      if (marks.length === 0 || marks[marks.length - 1].t - entry.value.t >= 1000) {
        marks.push({ offset: first, t: entry.value.t });
      } else marks[marks.length - 1].offset = first;
    }
    this.#marks.push(...marks.reverse());
  }

  /** Chunks written for events or dead letters whose commit never completed. */
  async #removeDebris(): Promise<void> {
    const stale: Deno.KvKey[] = [];
    const ranges = [
      { start: KEY.chunks(this.#head), end: KEY.chunks(Infinity) },
      { start: KEY.deadLetterChunks(this.#deadLetterHead), end: KEY.deadLetterChunks(Infinity) },
    ];
    for (const range of ranges) {
      for await (const e of this.#kv.list(range)) stale.push(e.key);
    }
    for (let i = 0; i < stale.length; i += 500) {
      const op = this.#kv.atomic();
      for (const key of stale.slice(i, i + 500)) op.delete(key);
      await op.commit();
    }
  }

  #sweep(): void {
    if (this.#sweeping || this.#closed) return;
    this.#sweeping = (async () => {
      const now = Date.now();
      const { dedupeWindowMs, dedupeMaxIds } = this.#opts.retention;
      const since = now - dedupeWindowMs;
      while (this.#marks.length > 1 && this.#marks[1].t < since) this.#marks.shift();
      // Conservative: entries from the oldest remaining mark on are kept (at least the window).
      const windowStart = this.#marks[0]?.offset ?? this.#head;
      this.#index.pruneBelow(Math.max(windowStart, this.#head - dedupeMaxIds));
      this.#first = await sweepRetention(this.#kv, this.#opts.retention, {
        now,
        head: this.#head,
        first: this.#first,
      });
    })().catch((err) => this.#opts.onBackgroundError?.(err)).finally(() => {
      this.#sweeping = null;
    });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
