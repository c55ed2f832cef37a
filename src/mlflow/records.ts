/**
 * What the tracking server stores, the store keys it uses, and the JSON shapes MLflow answers
 * with (proto3 JSON: empty lists and unset fields are left out).
 * @module
 */
import type { StoreKey } from "../log/mod.ts";

export type Lifecycle = "active" | "deleted";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export const RUN_STATUSES: readonly RunStatus[] = [
  "RUNNING",
  "SCHEDULED",
  "FINISHED",
  "FAILED",
  "KILLED",
];

export interface ExperimentRecord {
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location: string;
  readonly lifecycle_stage: Lifecycle;
  readonly creation_time: number;
  readonly last_update_time: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RunRecord {
  readonly run_id: string;
  readonly run_name: string;
  readonly experiment_id: string;
  readonly user_id: string;
  readonly status: RunStatus;
  readonly start_time: number;
  readonly end_time?: number;
  readonly artifact_uri: string;
  readonly lifecycle_stage: Lifecycle;
  /** Sequence number of the next metric point (keys of the history). */
  readonly metric_seq: number;
}

export interface Metric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** A run with its params, tags and latest metrics, as read back. */
export interface FullRun {
  readonly info: RunRecord;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: readonly Metric[];
}

export const keys = {
  experiment: (id: string): StoreKey => ["exp", id],
  experiments: ["exp"] as StoreKey,
  experimentName: (name: string): StoreKey => ["exp_name", name],
  counter: (what: string): StoreKey => ["counter", what],
  run: (id: string): StoreKey => ["run", id],
  /** Index of an experiment's runs (run id → true), so a search reads only those. */
  experimentRun: (experiment: string, run: string): StoreKey => ["exp_run", experiment, run],
  experimentRuns: (experiment: string): StoreKey => ["exp_run", experiment],
  param: (run: string, key: string): StoreKey => ["param", run, key],
  params: (run: string): StoreKey => ["param", run],
  tag: (run: string, key: string): StoreKey => ["tag", run, key],
  tags: (run: string): StoreKey => ["tag", run],
  latest: (run: string, key: string): StoreKey => ["latest", run, key],
  latests: (run: string): StoreKey => ["latest", run],
  point: (run: string, key: string, seq: number): StoreKey => ["metric", run, key, seq],
  history: (run: string, key: string): StoreKey => ["metric", run, key],
  model: (name: string): StoreKey => ["model", name],
  models: ["model"] as StoreKey,
  version: (name: string, version: number): StoreKey => ["version", name, version],
  versions: (name: string): StoreKey => ["version", name],
  allVersions: ["version"] as StoreKey,
};

/** `{a: "1"}` → `[{key: "a", value: "1"}]`, left out when empty. */
export function tagList(
  tags: Readonly<Record<string, string>>,
): { key: string; value: string }[] | undefined {
  const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
  return list.length ? list : undefined;
}

export function experimentJson(e: ExperimentRecord) {
  return {
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: e.last_update_time,
    creation_time: e.creation_time,
    tags: tagList(e.tags),
  };
}

export function runInfoJson(r: RunRecord) {
  return {
    run_id: r.run_id,
    run_uuid: r.run_id,
    run_name: r.run_name,
    experiment_id: r.experiment_id,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
    end_time: r.end_time,
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
}

export function runJson(run: FullRun) {
  const data = {
    metrics: run.metrics.length ? run.metrics : undefined,
    params: tagList(run.params),
    tags: tagList(run.tags),
  };
  return { info: runInfoJson(run.info), data, inputs: {} };
}
