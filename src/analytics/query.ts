/**
 * Read-only SQL over the analytics database: refused unless it only reads, run in a child
 * process (job_process.ts) with a row limit, a byte limit and a time budget.
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { BusError } from "../errors.ts";
import { refuseReason } from "./sql_guard.ts";
import type { ExportFile, QueryRows } from "./job.ts";
import type { ExportFormat } from "./export.ts";
import { analyticsJobs } from "./job_process.ts";

export const DEFAULT_QUERY_MAX_ROWS = 10_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** Longest SQL text: checked before the guard reads it (a 14 MB text stalled the bus). */
export const MAX_SQL_CHARS = 100_000;
/** Largest answer of one query, as JSON text. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** Rows of one query, columns in order; `truncated` when it had more rows than the limit. */
export type QueryResult = QueryRows;

export interface QueryOptions {
  readonly maxRows: number;
  readonly timeoutMs: number;
  /** Largest answer as JSON text (MAX_ANSWER_BYTES when absent). */
  readonly maxBytes?: number;
}

/**
 * Runs `sql` with positional `params` on a read-only connection to the file at `path`.
 * @throws {BusError} malformed: refused, failed, or over the time budget; too_large: SQL too long
 */
export async function runQuery(
  path: string,
  request: { sql: string; params?: readonly unknown[] },
  opts: QueryOptions,
): Promise<QueryResult> {
  const job = { kind: "query" as const, ...checkedQuery(request, opts) };
  return (await analyticsJobs.run(path, job, opts.timeoutMs)).result as QueryRows;
}

/**
 * `sql` as a file in `format`, encoded in the child process too (a million-row Parquet file
 * took seconds of the main thread).
 */
export async function exportQuery(
  path: string,
  request: { sql: string; params?: readonly unknown[] },
  format: ExportFormat,
  opts: QueryOptions,
): Promise<{ file: ExportFile; bytes: Uint8Array }> {
  const job = { kind: "export" as const, query: checkedQuery(request, opts), format };
  const { result, payload } = await analyticsJobs.run(path, job, opts.timeoutMs);
  return { file: result as ExportFile, bytes: payload };
}

/** The SQL checked before anything parses it: length, then the read-only guard, then params. */
function checkedQuery(
  request: { sql: string; params?: readonly unknown[] },
  opts: QueryOptions,
) {
  const { sql } = request;
  if (typeof sql !== "string" || sql.length > MAX_SQL_CHARS) {
    throw new BusError(
      "too_large",
      `Cannot run the query: the SQL is over ${MAX_SQL_CHARS} characters`,
      { details: [{ reason: "sql_length", limit: MAX_SQL_CHARS }] },
    );
  }
  const reason = refuseReason(sql);
  if (reason !== null) {
    throw new BusError("malformed", `Cannot run the query: ${reason}`, {
      details: [{ reason: "read_only" }],
    });
  }
  return {
    sql,
    params: (request.params ?? []).map(param),
    maxRows: opts.maxRows,
    maxBytes: opts.maxBytes ?? MAX_ANSWER_BYTES,
  };
}

function param(v: unknown, i: number): SQLInputValue {
  if (v === null || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new BusError(
    "malformed",
    `Cannot run the query: params[${i}] must be a number, string, boolean or null`,
  );
}
