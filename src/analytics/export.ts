/**
 * Rows to CSV (RFC 4180) or Parquet (hyparquet-writer, pure JS), for pandas, Polars and DuckDB.
 * @module
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import type { QueryResult } from "./query.ts";

export type ExportFormat = "csv" | "parquet";

export const CSV_TYPE = "text/csv; charset=utf-8";
export const PARQUET_TYPE = "application/vnd.apache.parquet";

/** CSV with a header row; null as an empty field. */
export function toCsv(result: Pick<QueryResult, "columns" | "rows">): string {
  const lines = [result.columns.map(csvField).join(",")];
  for (const row of result.rows) lines.push(row.map(csvField).join(","));
  return lines.join("\r\n") + "\r\n";
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A Parquet file: numeric columns as DOUBLE, booleans as BOOLEAN, anything else as STRING. */
export function toParquet(result: Pick<QueryResult, "columns" | "rows">): Uint8Array {
  const columnData = result.columns.map((name, c) => {
    const values = result.rows.map((r) => r[c] ?? null);
    const present = values.filter((v) => v !== null);
    if (present.length > 0 && present.every((v) => typeof v === "number")) {
      return { name, data: values, type: "DOUBLE" as const };
    }
    if (present.length > 0 && present.every((v) => typeof v === "boolean")) {
      return { name, data: values, type: "BOOLEAN" as const };
    }
    return {
      name,
      data: values.map((v) => v === null ? null : typeof v === "string" ? v : String(v)),
      type: "STRING" as const,
    };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
