/**
 * The event log seam: everything above src/log/ knows about the log. Deno KV (kv_event_log.ts)
 * and memory (memory_event_log.ts) implement it; every implementation passes the conformance
 * suite in tests/log/_storage_cases.ts unchanged.
 * @module
 */
import { BusError } from "../errors.ts";
import type { TopicMatcher } from "./topic_pattern.ts";

/** One lenient-parse fix, relative to the event it belongs to. */
export interface EventRepair {
  readonly path: string;
  readonly kind: "non_finite_number" | "control_character";
  readonly original: string;
  readonly replacement: string | null;
}

/** An event ready to be stored: the envelope (docs/design.md#the-envelope) minus what the log assigns. */
export interface NewEvent {
  readonly event_id: string;
  /** False when the bus generated the id: such events are never looked up for duplicates. */
  readonly clientEventId: boolean;
  readonly type: string;
  readonly subtype?: string;
  readonly topic: string;
  readonly source: string;
  readonly version: unknown;
  readonly priority?: unknown;
  readonly client_timestamp: unknown;
  readonly batch_id?: string;
  readonly payload: unknown;
  readonly extras?: Readonly<Record<string, unknown>>;
  readonly repairs?: readonly EventRepair[];
}

/** Raw input that could not be used, kept with the reason. */
export interface NewDeadLetter {
  readonly reason: string;
  readonly details?: readonly unknown[];
  /** The unusable input as received (a whole body, or one event re-serialised). */
  readonly raw: string;
  /** Set when `raw` is base64 of a binary body (an undecodable protobuf body). */
  readonly encoding?: "base64";
  readonly batch_id?: string;
  /** Position of the event in its batch; absent for a whole body. */
  readonly index?: number;
  readonly route: string;
}

/** What one append asks for; events and dead letters become durable together. */
export interface AppendRequest {
  readonly events: readonly NewEvent[];
  readonly deadLetters: readonly NewDeadLetter[];
}

/** Per event of the request, in order: where it is stored, and whether it was already there. */
export interface EventOutcome {
  readonly offset: number;
  readonly duplicate: boolean;
}

export interface AppendResult {
  readonly outcomes: readonly EventOutcome[];
  /** Sequence numbers of the dead letters, in request order. */
  readonly deadLetterSeqs: readonly number[];
}

/** A stored envelope: its JSON text as written, and the fields readers filter on. */
export interface StoredEvent {
  readonly offset: number;
  readonly topic: string;
  readonly receivedAt: number;
  /** The envelope as one line of JSON (no newline). */
  readonly json: string;
}

export interface ReadOptions {
  /** At most this many events. */
  readonly limit: number;
  /** Only events whose topic matches. */
  readonly topics?: TopicMatcher;
}

/** Log positions: `first` is the oldest retained offset, `head` the next one to be assigned. */
export interface LogBounds {
  readonly first: number;
  readonly head: number;
}

/** Per topic: events stored (duplicates not counted) and the newest offset. */
export interface TopicStats {
  readonly name: string;
  readonly events: number;
  readonly lastOffset: number;
}

/** Seconds a client is asked to wait when the log is saturated. */
const SATURATED_RETRY_AFTER_S = 1;

/**
 * What append throws when the commit pipeline already holds too much: an `over_limit` BusError,
 * so every surface maps it like any other (429 / resource_exhausted) with no special case.
 */
export function logSaturated(pendingEvents: number): BusError {
  return new BusError(
    "over_limit",
    "The event log is saturated; retry shortly",
    { retryAfterS: SATURATED_RETRY_AFTER_S, details: [{ pending_events: pendingEvents }] },
  );
}

/** Called with the new head and the events this advance made durable (see EventLog.onHead). */
export type HeadListener = (head: number, events: readonly StoredEvent[]) => void;

export interface EventLog {
  /**
   * Stores events and dead letters. Resolves once all of them are durable; offsets are gapless
   * and increasing; an event whose client event_id is already stored is not stored again.
   * @throws {BusError} `over_limit` (see logSaturated) when the commit pipeline is full
   */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Stored events from offset `from` on, in offset order. */
  read(from: number, options: ReadOptions): AsyncIterable<StoredEvent>;
  /** Dead letters from sequence `from` on, each as one line of JSON. */
  readDeadLetters(from: number, limit: number): AsyncIterable<string>;
  bounds(): LogBounds;
  /** Events accepted and not yet durable (what `maxPendingEvents` bounds), for metrics. */
  readonly pendingEvents: number;
  /**
   * The first offset whose event was received at or after `epochMs` (received_at never
   * decreases along the log); `head` when there is none, `first` when all are.
   */
  offsetAtTime(epochMs: number): Promise<number>;
  /** Per topic (matching `topics`, all when absent), sorted by name; covers every durable event. */
  topicStats(topics?: TopicMatcher): Promise<TopicStats[]>;
  /**
   * Calls `listener` whenever the head advances (events up to head - 1 are readable), with the
   * events that this advance made durable when the implementation has them in memory (never any
   * at or past head; possibly none); returns the function that stops it. Listeners must not
   * block: they run inside the commit path. A listener that throws is reported to the log's
   * error callback and stays subscribed; the commit is not affected.
   */
  onHead(listener: HeadListener): () => void;
  /** Finishes pending commits, stops background work and closes the store. */
  close(): Promise<void>;
}
