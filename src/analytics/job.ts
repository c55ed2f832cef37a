/**
 * The heavy read-side work of analytics (SQL, export rows, synergy, patterns) as one message in,
 * one reply out, so it can run in a child process that the time budget can kill
 * (job_process.ts): node:sqlite is synchronous native code that neither a worker's terminate()
 * nor anything else in the process can interrupt.
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { synergyMatrix, type SynergyOptions, type SynergyPair } from "./synergy.ts";
import { type Pattern, type PatternOptions, playPatterns } from "./patterns.ts";
import { type ExportFormat, toCsv, toParquet } from "./export.ts";

export type AnalyticsJob =
  | {
    readonly kind: "query";
    readonly sql: string;
    readonly params: readonly SQLInputValue[];
    readonly maxRows: number;
    /** Largest answer, counted as JSON text; beyond it the job fails instead of answering. */
    readonly maxBytes: number;
  }
  | {
    readonly kind: "export";
    readonly query: Omit<Extract<AnalyticsJob, { kind: "query" }>, "kind">;
    readonly format: ExportFormat;
  }
  | { readonly kind: "synergy"; readonly opts: SynergyOptions }
  | { readonly kind: "patterns"; readonly opts: PatternOptions };

export interface QueryRows {
  readonly columns: string[];
  readonly rows: unknown[][];
  readonly truncated: boolean;
}

/** An encoded export: the file travels after the reply, not inside it. */
export interface ExportFile {
  readonly rowCount: number;
  readonly truncated: boolean;
}

export type JobResult = QueryRows | SynergyPair[] | Pattern[] | ExportFile;

export type JobReply = { ok: true; result: JobResult } | { ok: false; error: string };

/** Runs `job` on a read-only connection to the analytics file at `path`; an export's file is
 * the `payload`. */
export function runJob(path: string, job: AnalyticsJob): { reply: JobReply; payload?: Uint8Array } {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 });
    db.exec("PRAGMA query_only = ON");
    if (job.kind === "query") return { reply: queryRows(db, job) };
    if (job.kind === "export") return exportFile(db, job);
    if (job.kind === "synergy") return { reply: { ok: true, result: synergyMatrix(db, job.opts) } };
    return { reply: { ok: true, result: playPatterns(db, job.opts) } };
  } catch (err) {
    return { reply: { ok: false, error: err instanceof Error ? err.message : String(err) } };
  } finally {
    db?.close();
  }
}

function exportFile(
  db: DatabaseSync,
  job: Extract<AnalyticsJob, { kind: "export" }>,
): { reply: JobReply; payload?: Uint8Array } {
  const rows = queryRows(db, job.query);
  if (!rows.ok) return { reply: rows };
  const result = rows.result as QueryRows;
  const payload = job.format === "csv"
    ? new TextEncoder().encode(toCsv(result))
    : toParquet(result);
  const file: ExportFile = { rowCount: result.rows.length, truncated: result.truncated };
  return { reply: { ok: true, result: file }, payload };
}

function queryRows(
  db: DatabaseSync,
  job: Omit<Extract<AnalyticsJob, { kind: "query" }>, "kind">,
): JobReply {
  const stmt = db.prepare(job.sql);
  const columns = stmt.columns().map((c) => c.name);
  // iterate() ends quietly at a runtime error (a short answer that looks whole), so the rows come
  // from all(), which throws; the LIMIT keeps all() bounded. PRAGMA and EXPLAIN cannot be wrapped
  // and answer few rows.
  const wrappable = /^\s*(SELECT|WITH|VALUES)\b/i.test(job.sql);
  const run = wrappable
    ? db.prepare(`SELECT * FROM (${job.sql}\n) LIMIT ${job.maxRows + 1}`)
    : stmt;
  // At run time but not yet in @types/node: rows as arrays keep duplicate column names.
  (run as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  const all = run.all(...job.params) as unknown as unknown[][];
  const rows: unknown[][] = [];
  let bytes = 0;
  for (const row of all.slice(0, job.maxRows)) {
    const plainRow = row.map(plain);
    bytes += JSON.stringify(plainRow).length + 1;
    if (bytes > job.maxBytes) {
      return {
        ok: false,
        error: `the answer is over ${job.maxBytes} bytes; select fewer or smaller columns`,
      };
    }
    rows.push(plainRow);
  }
  return { ok: true, result: { columns, rows, truncated: all.length > job.maxRows } };
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return btoa(String.fromCharCode(...v));
  return v;
}

/** The line a child writes on stderr once it has loaded. */
export const JOB_READY = "analytics-job-ready\n";

/**
 * The child's side: one `{path, job}` JSON on stdin; on stdout one JobReply JSON line, then the
 * export file's bytes, if any.
 */
export async function jobChildMain(): Promise<number> {
  // Loaded: from here on the parent counts the job's time budget.
  await Deno.stderr.write(new TextEncoder().encode(JOB_READY));
  const input = await new Response(Deno.stdin.readable).text();
  const { path, job } = JSON.parse(input) as { path: string; job: AnalyticsJob };
  const { reply, payload } = runJob(path, job);
  await writeAll(new TextEncoder().encode(JSON.stringify(reply) + "\n"));
  if (payload) await writeAll(payload);
  return 0;
}

async function writeAll(bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await Deno.stdout.write(bytes.subarray(at));
}

if (import.meta.main) Deno.exit(await jobChildMain());
