// The analytics subcommands, on the analytics file of a data directory:
// `analytics rebuild` re-derives every table from the event log (run it with the bus stopped);
// `query "SELECT …"` prints rows as a table (or CSV/JSON); `export` writes Parquet or CSV.

import { ConfigError, loadConfig } from "../config.ts";
import {
  analyticsPath,
  catchUp,
  EXPORT_MAX_ROWS,
  PROJECTED_TABLES,
  ProjectionWorker,
  runQuery,
  toCsv,
  toParquet,
} from "../analytics/mod.ts";
import { lockDataDir } from "../log/mod.ts";
import { createLogger } from "../logger.ts";
import { openConfiguredStorage } from "../storage_choice.ts";
import { BusError, StartupError } from "../errors.ts";
import { readFlags } from "./flags.ts";

const HELP = `Usage:
  jimbot analytics rebuild [--data-dir DIR]   re-derive the analytics tables from the log
                                               (stop the bus first)
  jimbot query "SELECT …" [--format table|csv|json] [--data-dir DIR]
                                               run a read-only query and print the rows
  jimbot export (--table NAME | --sql "SELECT …") [--format parquet|csv] --out FILE
                 [--data-dir DIR]              write a table or query to Parquet or CSV

The analytics file is DIR/analytics.sqlite; other bus options (--analytics-query-timeout,
--analytics-max-rows, JIMBOT_* variables) apply as they do to serve.
`;

const OWN_FLAGS = ["format", "out", "table", "sql"];
const encoder = new TextEncoder();

/** `analytics <sub>`; returns the exit code. */
export async function analyticsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const help = (a: string | undefined) => a === "--help" || a === "-h";
  if (sub !== "rebuild" || rest.some(help)) {
    write(HELP);
    return help(sub) || rest.some(help) ? 0 : 2;
  }
  return await guarded(async () => {
    const { config } = parse(rest);
    // A running bus owns the log and the analytics file: refuse rather than race it.
    using _lock = await lockDataDir(config.dataDir, "analytics rebuild");
    await using storage = await openConfiguredStorage(config, createLogger(config.logLevel), {
      retention: config.retention,
      maxPendingEvents: config.maxPendingEvents,
    });
    const projection = await ProjectionWorker.open({
      path: analyticsPath(config.dataDir),
      rawMaxAgeMs: 0,
      postgresUrl: null,
      logLevel: config.logLevel,
    });
    try {
      const started = performance.now();
      await projection.reset();
      const events = await catchUp(storage.log, projection);
      const seconds = (performance.now() - started) / 1000;
      writeErr(
        `rebuilt ${analyticsPath(config.dataDir)}: ${events} events in ${seconds.toFixed(2)} s ` +
          `(${Math.round(events / Math.max(seconds, 1e-6))} events/s)`,
      );
    } finally {
      await projection.close();
    }
  });
}

/** `query "SQL"`; returns the exit code. */
export async function queryCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    write(HELP);
    return 0;
  }
  return await guarded(async () => {
    const { config, own, positional } = parse(args);
    if (positional.length !== 1) {
      throw new BusError("malformed", 'Give one SQL string: query "SELECT …"');
    }
    const result = await runQuery(analyticsPath(config.dataDir), { sql: positional[0] }, {
      maxRows: config.analytics.queryMaxRows,
      timeoutMs: config.analytics.queryTimeoutMs,
    });
    const format = own.get("format") ?? "table";
    if (format === "csv") write(toCsv(result));
    else if (format === "json") {
      for (const row of result.rows) {
        write(JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, row[i]]))) + "\n");
      }
    } else if (format === "table") write(table(result.columns, result.rows));
    else throw new BusError("malformed", `--format must be table, csv or json: got "${format}"`);
    if (result.truncated) writeErr(`(stopped at ${result.rows.length} rows: --analytics-max-rows)`);
  });
}

/** `export`; returns the exit code. */
export async function exportCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    write(HELP);
    return 0;
  }
  return await guarded(async () => {
    const { config, own } = parse(args);
    const tableName = own.get("table");
    const sql = own.get("sql") ??
      (tableName !== undefined ? `SELECT * FROM "${tableName.replaceAll('"', '""')}"` : undefined);
    const out = own.get("out");
    if (sql === undefined || out === undefined) {
      throw new BusError(
        "malformed",
        `export needs --table NAME (${
          Object.keys(PROJECTED_TABLES).join(", ")
        }, or a view) or --sql, and --out FILE`,
      );
    }
    const format = own.get("format") ?? (out.endsWith(".csv") ? "csv" : "parquet");
    if (format !== "csv" && format !== "parquet") {
      throw new BusError("malformed", `--format must be parquet or csv: got "${format}"`);
    }
    const result = await runQuery(analyticsPath(config.dataDir), { sql }, {
      maxRows: EXPORT_MAX_ROWS,
      timeoutMs: config.analytics.queryTimeoutMs,
    });
    if (format === "csv") await Deno.writeTextFile(out, toCsv(result));
    else await Deno.writeFile(out, toParquet(result));
    writeErr(`wrote ${result.rows.length} rows to ${out}${result.truncated ? " (truncated)" : ""}`);
  });
}

/** This command's own flags, and the bus options (--data-dir, JIMBOT_*) for the rest. */
function parse(args: readonly string[]) {
  const flags = readFlags(args, { values: OWN_FLAGS, passThrough: true }, "analytics");
  const parsed = loadConfig(flags.others, Deno.env.toObject());
  if (parsed.help) throw new BusError("malformed", "see --help");
  return { config: parsed.config, own: flags.values, positional: parsed.rest };
}

async function guarded(run: () => Promise<void>): Promise<number> {
  try {
    await run();
    return 0;
  } catch (err) {
    if (err instanceof BusError || err instanceof ConfigError) {
      writeErr(err.message);
      return 2;
    }
    writeErr(err instanceof Error ? err.message : String(err));
    return err instanceof StartupError ? err.exitCode : 1;
  }
}

/** Rows as an aligned text table with a header and a row count. */
function table(columns: readonly string[], rows: readonly unknown[][]): string {
  const cells = rows.map((r) => r.map((v) => v === null ? "NULL" : String(v)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: readonly string[]) =>
    vals.map((v, i) =>
      typeof rows[0]?.[i] === "number" ? v.padStart(widths[i]) : v.padEnd(widths[i])
    )
      .join(" | ").trimEnd();
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)];
  return out.join("\n") + `\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`;
}

function write(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}
