/**
 * The analytics REST routes: read-only SQL, export (Parquet, CSV), synergy and play patterns.
 * app.ts appends them to the bus's routes.
 * @module
 */
import { BusError } from "../errors.ts";
import { json } from "../http/responses.ts";
import type { Route, RouteContext } from "../http/route.ts";
import type { Analytics } from "./analytics.ts";
import { CSV_TYPE, type ExportFormat, PARQUET_TYPE, toCsv } from "./export.ts";
import type { QueryResult } from "./query.ts";
import type { ExportFile } from "./job.ts";
import { PROJECTED_TABLES } from "./schema.ts";
import { intParam } from "../http/query_params.ts";

/** Views offered for export by name, beside the tables. */
const VIEWS = [
  "win_rate_by_ante",
  "win_rate_by_ante_last_1000_games",
  "jokers_in_ante8_runs",
  "hand_type_scores",
  "decision_times",
];

/** The routes of `analytics`, for the handler's route list. */
export function analyticsRoutes(analytics: Analytics): Route[] {
  return [
    { method: "POST", path: "/api/v1/analytics/query", handle: (ctx) => query(ctx, analytics) },
    { method: "GET", path: "/api/v1/analytics/export", handle: (ctx) => exportGet(ctx, analytics) },
    {
      method: "POST",
      path: "/api/v1/analytics/export",
      handle: (ctx) => exportPost(ctx, analytics),
    },
    { method: "GET", path: "/api/v1/analytics/synergy", handle: (ctx) => synergy(ctx, analytics) },
    {
      method: "GET",
      path: "/api/v1/analytics/patterns",
      handle: (ctx) => patterns(ctx, analytics),
    },
    {
      method: "GET",
      path: "/api/v1/analytics/status",
      handle: ({ deps }) =>
        json(200, { offset: analytics.offset, log_head: deps.log.bounds().head }),
    },
  ];
}

async function query(ctx: RouteContext, analytics: Analytics): Promise<Response> {
  const body = await sqlBody(ctx);
  const result = await analytics.query(body);
  if (wantsCsv(ctx.req)) return new Response(toCsv(result), { headers: csvHeaders(result) });
  return json(200, {
    columns: result.columns,
    rows: result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]]))),
    row_count: result.rows.length,
    truncated: result.truncated,
  });
}

async function exportGet({ url }: RouteContext, analytics: Analytics): Promise<Response> {
  const table = url.searchParams.get("table") ?? "";
  if (!(table in PROJECTED_TABLES) && !VIEWS.includes(table)) {
    throw new BusError(
      "malformed",
      `Cannot export: table must be one of ${
        [...Object.keys(PROJECTED_TABLES), ...VIEWS].join(", ")
      }: got "${table}"`,
    );
  }
  const format = exportFormat(url.searchParams.get("format"));
  const sql = `SELECT * FROM "${table}"`;
  return exported(await analytics.exportFile({ sql }, format), format, table);
}

async function exportPost(ctx: RouteContext, analytics: Analytics): Promise<Response> {
  const body = await sqlBody(ctx);
  const format = exportFormat(body.format ?? ctx.url.searchParams.get("format"));
  return exported(await analytics.exportFile(body, format), format, "query");
}

function exported(
  { file, bytes }: { file: ExportFile; bytes: Uint8Array },
  format: ExportFormat,
  name: string,
): Response {
  const headers = new Headers({
    "content-disposition": `attachment; filename="${name}.${format}"`,
    "x-row-count": String(file.rowCount),
    "x-truncated": String(file.truncated),
    "content-type": format === "csv" ? CSV_TYPE : PARQUET_TYPE,
  });
  return new Response(bytes as Uint8Array<ArrayBuffer>, { headers });
}

async function synergy({ req, url }: RouteContext, analytics: Analytics): Promise<Response> {
  const jokers = url.searchParams.get("jokers");
  const matrix = await analytics.synergy({
    jokers: jokers ? jokers.split(",").map((s) => s.trim()).filter((s) => s) : undefined,
    maxJokers: intParam(url, "max_jokers", 12, { min: 2, max: 40 }),
    hands: intParam(url, "hands", 200, { min: 1, max: 5_000 }),
  });
  if (wantsCsv(req) || url.searchParams.get("format") === "csv") {
    const columns = [
      "a",
      "b",
      "engine_uplift",
      "hands_sampled",
      "games_with_pair",
      "won_with_pair",
      "win_rate_with_pair",
      "win_rate_lift",
      "synergy",
    ] as const;
    const result = { columns: [...columns], rows: matrix.map((p) => columns.map((c) => p[c])) };
    return new Response(toCsv(result), { headers: { "content-type": CSV_TYPE } });
  }
  return json(200, { pairs: matrix });
}

async function patterns({ url }: RouteContext, analytics: Analytics): Promise<Response> {
  const found = await analytics.patterns({
    minSupport: numberParam(url, "min_support", 0.05),
    maxLength: intParam(url, "max_length", 4, { min: 1, max: 10 }),
    minLength: intParam(url, "min_length", 1, { min: 1, max: 10 }),
  });
  return json(200, {
    patterns: found.slice(0, intParam(url, "limit", 100, { min: 1, max: 10_000 })),
  });
}

interface SqlBody {
  sql: string;
  params?: unknown[];
  format?: string;
}

async function sqlBody({ req, deps }: RouteContext): Promise<SqlBody> {
  const bytes = await deps.bodies.read(req);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new BusError(
      "malformed",
      `Cannot parse the request body as JSON: ${(err as Error).message}`,
    );
  }
  const o = body as Record<string, unknown> | null;
  if (typeof o !== "object" || o === null || typeof o.sql !== "string") {
    throw new BusError(
      "malformed",
      'Cannot run the query: the body must be {"sql": "...", "params": [...]}',
    );
  }
  if (o.params !== undefined && !Array.isArray(o.params)) {
    throw new BusError("malformed", "Cannot run the query: params must be an array");
  }
  return {
    sql: o.sql,
    params: o.params as unknown[] | undefined,
    format: typeof o.format === "string" ? o.format : undefined,
  };
}

function exportFormat(value: string | null | undefined): ExportFormat {
  const f = value ?? "parquet";
  if (f !== "csv" && f !== "parquet") {
    throw new BusError("malformed", `Cannot export: format must be parquet or csv: got "${f}"`);
  }
  return f;
}

function wantsCsv(req: Request): boolean {
  return (req.headers.get("accept") ?? "").includes("text/csv");
}

function csvHeaders(result: QueryResult): HeadersInit {
  return { "content-type": CSV_TYPE, "x-truncated": String(result.truncated) };
}

function numberParam(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new BusError(
      "malformed",
      `Cannot read ${name}: it must be a number above 0 and at most 1: got "${v}"`,
    );
  }
  return n;
}
