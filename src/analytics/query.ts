/**
 * Read-only SQL over the analytics database: refused unless it only reads, run in a worker with
 * a row limit and a time budget.
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { BusError } from "../errors.ts";
import { refuseReason } from "./sql_guard.ts";
import type { QueryReply, QueryRequest } from "./query_worker.ts";

export const DEFAULT_QUERY_MAX_ROWS = 10_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** Rows of one query, columns in order. */
export interface QueryResult {
  readonly columns: string[];
  readonly rows: unknown[][];
  /** True when the query had more rows than the limit. */
  readonly truncated: boolean;
}

export interface QueryOptions {
  readonly maxRows: number;
  readonly timeoutMs: number;
}

/**
 * Runs `sql` with positional `params` on a read-only connection to the file at `path`.
 * @throws {BusError} malformed: refused, failed, or over the time budget
 */
export async function runQuery(
  path: string,
  request: { sql: string; params?: readonly unknown[] },
  opts: QueryOptions,
): Promise<QueryResult> {
  const { sql } = request;
  const reason = refuseReason(sql);
  if (reason !== null) {
    throw new BusError("malformed", `Cannot run the query: ${reason}`, {
      details: [{ reason: "read_only" }],
    });
  }
  const params = (request.params ?? []).map(param);
  const worker = new Worker(new URL("./query_worker.ts", import.meta.url), { type: "module" });
  const { promise, resolve } = Promise.withResolvers<QueryReply | "timeout">();
  const timer = setTimeout(() => resolve("timeout"), opts.timeoutMs);
  worker.onmessage = (e: MessageEvent<QueryReply>) => resolve(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    resolve({ ok: false, error: e.message });
  };
  const message: QueryRequest = { path, sql, params, maxRows: opts.maxRows };
  worker.postMessage(message);
  const reply = await promise;
  clearTimeout(timer);
  worker.terminate();
  if (reply === "timeout") {
    throw new BusError(
      "malformed",
      `Cannot run the query: it was stopped after its time budget of ${opts.timeoutMs} ms; ` +
        "narrow it or add a LIMIT",
      { details: [{ reason: "time_budget", budgetMs: opts.timeoutMs }] },
    );
  }
  if (!reply.ok) {
    throw new BusError("malformed", `Cannot run the query: ${reply.error}`, {
      details: [{ reason: "sql_error" }],
    });
  }
  return { columns: reply.columns, rows: reply.rows, truncated: reply.truncated };
}

function param(v: unknown, i: number): SQLInputValue {
  if (v === null || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new BusError(
    "malformed",
    `Cannot run the query: params[${i}] must be a number, string, boolean or null`,
  );
}
