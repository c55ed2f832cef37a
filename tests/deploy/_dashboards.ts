/**
 * Test kit: the committed Grafana dashboards and data sources, and every query in them with
 * Grafana's macros expanded the way Grafana would for a recent time range.
 * @module
 */
import { parse } from "yaml";

const DEPLOY = new URL("../../deploy/", import.meta.url).pathname;
export const DASHBOARD_DIR = `${DEPLOY}grafana/dashboards/`;
export const PROMETHEUS_CONFIG = `${DEPLOY}prometheus/prometheus.yml`;
const DATASOURCES = `${DEPLOY}grafana/provisioning/datasources/jimbot.yaml`;

export interface Datasource {
  readonly type: string;
  readonly uid: string;
}

// deno-lint-ignore no-explicit-any
export type Json = any;

export interface Dashboard {
  readonly file: string;
  readonly json: Json;
}

export interface Query {
  readonly dashboard: string;
  readonly panel: string;
  readonly datasource: Datasource;
  /** PromQL (`expr`) or SQL (`rawSql`) as committed. */
  readonly text: string;
}

export function dashboards(): Dashboard[] {
  return [...Deno.readDirSync(DASHBOARD_DIR)]
    .filter((e) => e.name.endsWith(".json"))
    .map((e) => e.name).sort()
    .map((file) => ({ file, json: JSON.parse(Deno.readTextFileSync(DASHBOARD_DIR + file)) }));
}

export function provisionedDatasources(): Datasource[] {
  return parse(Deno.readTextFileSync(DATASOURCES)).datasources;
}

/** Every panel, rows' collapsed panels included. */
export function panels(dashboard: Json): Json[] {
  return (dashboard.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]);
}

/** Every query of every panel: targets with `expr` (PromQL) or `rawSql` (SQL). */
export function queries(): Query[] {
  return dashboards().flatMap(({ file, json }) =>
    panels(json).flatMap((panel) =>
      (panel.targets ?? []).map((t: Json) => ({
        dashboard: file,
        panel: panel.title,
        datasource: t.datasource ?? panel.datasource,
        text: t.expr ?? t.rawSql,
      }))
    )
  );
}

/** PromQL as Grafana sends it: `$__rate_interval` is at least four scrape intervals. */
export function expandPromQl(expr: string, rateInterval: string): string {
  return expr.replaceAll("$__rate_interval", rateInterval);
}

/** SQL as Grafana's PostgreSQL source sends it for the last six hours. */
export function expandSql(sql: string): string {
  return sql.replace(
    /\$__timeFilter\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g,
    (_, column) => `${column} BETWEEN now() - interval '6 hours' AND now()`,
  );
}
