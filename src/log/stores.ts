/**
 * The storage seams besides the event log: consumer-group offsets, the command queue for the
 * mod, the coordinator's compare-and-set state, and {@linkcode Storage}, the bundle one backend
 * (Deno KV, memory, later NATS JetStream) provides. Nothing above src/log/ sees a backend.
 * @module
 */
import type { EventLog } from "./event_log.ts";
import type { TrackingStore } from "./tracking_store.ts";

/** Committed consumer-group offsets: the last offset each group has processed. */
export interface ConsumerGroupStore {
  /** Records `offset` for `group` durably (it may move backwards: a deliberate rewind). */
  commit(group: string, offset: number): Promise<void>;
  /** The group's committed offset, or undefined when it never committed. */
  get(group: string): Promise<number | undefined>;
  /** Every group with its committed offset. */
  list(): Promise<ReadonlyMap<string, number>>;
  /** Forgets the group (a later subscription starts from its requested start again). */
  delete(group: string): Promise<void>;
}

/** One queued command line and its sequence number (increasing, never reused). */
export interface QueuedCommand {
  readonly seq: number;
  readonly line: string;
}

/**
 * The durable queue of command lines for the mod. Delivery policy (who takes a line, when it
 * is removed) belongs to the caller: `peek` then `remove` once the line is delivered gives
 * at-least-once; calls are not serialised here, so one caller at a time must own delivery.
 */
export interface CommandStore {
  /** Appends lines in order; resolves with their sequence numbers once they are durable. */
  append(lines: readonly string[]): Promise<number[]>;
  /** Up to `max` waiting lines, oldest first, without removing them. */
  peek(max: number): Promise<QueuedCommand[]>;
  /** Removes the lines with these sequence numbers (absent ones are ignored). */
  remove(seqs: readonly number[]): Promise<void>;
}

/** A value and the version to pass to {@linkcode StateStore.swap}. */
export interface Versioned {
  readonly value: Uint8Array;
  readonly version: string;
}

/**
 * The coordinator's state: compare-and-set over an opaque version (Deno KV versionstamps; NATS
 * KV revisions fit the same shape).
 */
export interface StateStore {
  get(key: string): Promise<Versioned | null>;
  /** Writes if the version is still `expected` (null: absent); the new version, or null when it moved. */
  swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null>;
  /** Every key under the path `prefix` by whole segments ("lease" or "lease/": "lease/a", not "leases"). */
  list(prefix: string): Promise<string[]>;
}

/** Everything the bus persists, from one backend. */
export interface Storage extends AsyncDisposable {
  /** Short name for logs and /health ("kv", "memory", ...). */
  readonly kind: string;
  readonly log: EventLog;
  readonly groups: ConsumerGroupStore;
  readonly commands: CommandStore;
  readonly coordinator: StateStore;
  /** Experiment tracking (the MLflow-compatible API's runs, metrics, models). */
  readonly tracking: TrackingStore;
  /** Closes the log (finishing pending commits), then the backend. Idempotent. */
  close(): Promise<void>;
}

/** What every backend's log takes, whatever stores it. */
export interface LogOptions {
  readonly retention: {
    /** Events older than this are deleted; 0 keeps them regardless of age. */
    readonly maxAgeMs: number;
    /** Only the newest this many events are kept; 0 keeps any number. */
    readonly maxEvents: number;
    /** How long, and for how many ids, a client event_id is remembered for dedupe. */
    readonly dedupeWindowMs: number;
    readonly dedupeMaxIds: number;
  };
  /** Events waiting for a commit above which append() refuses (logSaturated). */
  readonly maxPendingEvents: number;
  /** Told about every commit, for metrics. */
  readonly observer?: CommitObserver;
  /** Failures of background work and of head listeners; never thrown to a caller. */
  readonly onBackgroundError?: (err: unknown) => void;
}

/** Told about every commit, for metrics. */
export interface CommitObserver {
  committed(unit: { events: number; bytes: number; seconds: number; head: number }): void;
}
