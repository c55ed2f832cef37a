/**
 * The messages between the analytics projection's main-thread end (projection.ts) and its
 * worker (projection_worker.ts), which owns the analytics SQLite file and the PostgreSQL mirror.
 * @module
 */
import type { LogLevel } from "../logger.ts";

export type ProjectionRequest =
  | {
    readonly kind: "open";
    readonly path: string;
    /** Raw rows older than this are deleted (rollups stay); 0 keeps them. */
    readonly rawMaxAgeMs: number;
    /** Mirror the tables into this PostgreSQL database; null: no mirror. */
    readonly postgresUrl: string | null;
    readonly logLevel: LogLevel;
  }
  /** Stored envelopes (their JSON text, in offset order) and the offset after them. */
  | { readonly kind: "apply"; readonly envelopes: readonly string[]; readonly next: number }
  /** Empties every projected table and the offset (analytics rebuild). */
  | { readonly kind: "reset" }
  | { readonly kind: "close" };

/** Every answer carries the next offset the projection will apply (committed in the file). */
export interface ProjectionAnswer {
  readonly offset: number;
  /** Events an "apply" applied (envelopes below the stored offset are skipped). */
  readonly applied?: number;
}
