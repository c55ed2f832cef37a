/**
 * The messages between the SQLite event log (main thread) and its writer worker, and the
 * schema both sides agree on. Every write goes through the worker, in message order; the main
 * thread only reads (WAL lets its reads run beside the writer's commits).
 * @module
 */

/**
 * One append round: events at offsets `from`, `from + 1`, … and dead letters at sequences
 * `deadLetterFrom`, …, committed in one transaction with the new heads and topic counts.
 */
export interface AppendRound {
  readonly kind: "append";
  readonly receivedAt: number;
  readonly from: number;
  /**
   * Per event. Arrays of the strings the log holds anyway: a round packed into one large string
   * landed in the main heap's large-object space and grew the heap to ~200 MB between major GCs.
   */
  readonly topics: readonly string[];
  /** Client event_id per event; null where the bus named the event. */
  readonly ids: readonly (string | null)[];
  readonly jsons: readonly string[];
  readonly deadLetterFrom: number;
  readonly deadLetters: readonly string[];
  /** Per topic of the round: [name, events added, newest offset]. */
  readonly topicDeltas: readonly [string, number, number][];
}

/** Deletes what retention no longer keeps: events below `keepFrom` or received before `oldest`. */
export interface SweepRequest {
  readonly kind: "sweep";
  readonly keepFrom: number;
  /** Epoch ms; events and dead letters received before it go (-1: no age limit). */
  readonly oldest: number;
}

export type WriterRequest =
  | { readonly kind: "open"; readonly path: string; readonly synchronous: Synchronous }
  | AppendRound
  | SweepRequest
  | { readonly kind: "close" };

/** Positions as stored, answered to "open". */
export interface StoredPositions {
  readonly head: number;
  readonly deadLetterHead: number;
  readonly first: number;
}

/** What the worker answers to a request (positions to "open", the first offset to "sweep"). */
export interface WriterAnswer {
  readonly positions?: StoredPositions;
  readonly first?: number;
}

/**
 * SQLite's `synchronous` pragma for the log. FULL (default) fsyncs the WAL at every commit: an
 * acknowledged event survives a kill -9 and a power loss. NORMAL survives kill -9 (the WAL is in
 * the OS page cache) but may lose the newest commits on power loss.
 */
export type Synchronous = "FULL" | "NORMAL";

/** Tables: offsets are the rowid, so appends write in key order and reads are range scans. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  topic TEXT NOT NULL,
  client_id TEXT,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY,
  events INTEGER NOT NULL,
  last_offset INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;
