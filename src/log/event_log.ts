/**
 * Everything ingest/ and http/ know about storage. Deno KV backs it now (kv_event_log.ts); a
 * NATS JetStream log for clusters can implement the same interface later.
 * @module
 */
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

/** Thrown by append when the commit pipeline already holds too much (callers answer 429). */
export class LogSaturatedError extends Error {
  constructor(readonly pendingEvents: number) {
    super(`the event log has ${pendingEvents} events waiting for a commit`);
    this.name = "LogSaturatedError";
  }
}

export interface EventLog {
  /**
   * Stores events and dead letters. Resolves once all of them are durable; offsets are gapless
   * and increasing; an event whose client event_id is already stored is not stored again.
   * @throws {LogSaturatedError} when the commit pipeline is full
   */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Stored events from offset `from` on, in offset order. */
  read(from: number, options: ReadOptions): AsyncIterable<StoredEvent>;
  /** Dead letters from sequence `from` on, each as one line of JSON. */
  readDeadLetters(from: number, limit: number): AsyncIterable<string>;
  bounds(): LogBounds;
  /**
   * Calls `listener` whenever the head advances (events up to head - 1 are readable), with the
   * events that this advance made durable when the implementation has them in memory (never any
   * at or past head; possibly none); returns the function that stops it. Listeners must not
   * block: they run inside the commit path.
   */
  onHead(listener: (head: number, events: readonly StoredEvent[]) => void): () => void;
  /** Finishes pending commits, stops background work and closes the store. */
  close(): Promise<void>;
}
