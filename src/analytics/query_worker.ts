/**
 * Runs one read-only query on its own thread, so the caller can stop a runaway one by
 * terminating the worker (node:sqlite is synchronous and cannot be interrupted otherwise).
 * @module
 */
/// <reference lib="deno.worker" />
import { DatabaseSync, type SQLInputValue } from "node:sqlite";

/** What the worker is asked. */
export interface QueryRequest {
  readonly path: string;
  readonly sql: string;
  readonly params: readonly SQLInputValue[];
  readonly maxRows: number;
}

/** What the worker answers. */
export type QueryReply =
  | { ok: true; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { ok: false; error: string };

self.onmessage = (e: MessageEvent<QueryRequest>) => {
  self.postMessage(run(e.data));
};

function run(req: QueryRequest): QueryReply {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(req.path, { readOnly: true, timeout: 1_000 });
    db.exec("PRAGMA query_only = ON");
    const stmt = db.prepare(req.sql);
    // At run time but not yet in @types/node: rows as arrays keep duplicate column names.
    (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows: unknown[][] = [];
    let truncated = false;
    for (const row of stmt.iterate(...req.params)) {
      if (rows.length >= req.maxRows) {
        truncated = true;
        break;
      }
      rows.push((row as unknown as unknown[]).map(plain));
    }
    return { ok: true, columns, rows, truncated };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    db?.close();
  }
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return btoa(String.fromCharCode(...v));
  return v;
}
