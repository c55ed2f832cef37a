/** Analytics: the log projected into SQLite, read-only SQL, exports, synergy and patterns. */
export { Analytics, EXPORT_MAX_ROWS } from "./analytics.ts";
export { analyticsRoutes } from "./routes.ts";
export { analyticsPath, AnalyticsStore } from "./store.ts";
export { catchUp } from "./consumer.ts";
export { ProjectionWorker } from "./projection.ts";
export { DEFAULT_QUERY_MAX_ROWS, DEFAULT_QUERY_TIMEOUT_MS, runQuery } from "./query.ts";
export { CSV_TYPE, PARQUET_TYPE, toCsv, toParquet } from "./export.ts";
export { PROJECTED_TABLES } from "./schema.ts";
export { type GameFigure, readGameFigures } from "./game_figures.ts";
