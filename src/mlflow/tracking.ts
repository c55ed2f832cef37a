/**
 * Experiments, runs, params, tags and metrics with MLflow's semantics (ids, lifecycle, param
 * immutability, latest-metric rule, batch limits). Each method takes the request's fields and
 * returns the answer body. Writes run one at a time, so read-modify-write stays consistent.
 * @module
 */
import { invalid, MlflowError, notFound } from "./errors.ts";
import {
  checkKey,
  checkName,
  checkValueLength,
  type Fields,
  optInt,
  optList,
  optString,
  readTags,
  reqInt,
  reqNumber,
  reqString,
  reqStringOf,
  stringList,
} from "./fields.ts";
import {
  experimentJson,
  type ExperimentRecord,
  type FullRun,
  keys,
  type Metric,
  RUN_STATUSES,
  runInfoJson,
  runJson,
  type RunRecord,
  type RunStatus,
} from "./records.ts";
import {
  checkAttributes,
  type Identifier,
  matches,
  maxResults,
  page,
  parseFilter,
  parseOrderBy,
  sortBy,
  taggedEntityField,
} from "./search.ts";
import type { StoreWrite, TrackingStore } from "../log/mod.ts";
import type { Publish } from "./publisher.ts";
import { Serial } from "./serial.ts";

export const DEFAULT_EXPERIMENT_ID = "0";
const RUN_ID = ["run_id", "run_uuid"];
const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 };
type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

export class Tracking {
  readonly #serial = new Serial();
  #defaultReady = false;

  constructor(
    private readonly store: TrackingStore,
    private readonly publish: Publish,
  ) {}

  // ---- experiments ----

  createExperiment(f: Fields) {
    const name = reqString(f, "name");
    checkName("Experiment", name);
    const tags = readTags(f);
    return this.#write(async () => {
      await this.#experimentNameFree(name);
      const next = (await this.store.get<number>(keys.counter("experiment"))) ?? 1;
      const id = String(next);
      const now = Date.now();
      const exp: ExperimentRecord = {
        experiment_id: id,
        name,
        artifact_location: optString(f, "artifact_location") || `mlflow-artifacts:/${id}`,
        lifecycle_stage: "active",
        creation_time: now,
        last_update_time: now,
        tags,
      };
      await this.store.write([
        { key: keys.counter("experiment"), value: next + 1 },
        { key: keys.experiment(id), value: exp },
        { key: keys.experimentName(name), value: id },
      ]);
      await this.publish("experiment", { action: "created", experiment: experimentJson(exp) });
      return { experiment_id: id };
    });
  }

  async getExperiment(f: Fields) {
    await this.#ensureDefault();
    return { experiment: experimentJson(await this.#experiment(reqString(f, "experiment_id"))) };
  }

  async getExperimentByName(f: Fields) {
    await this.#ensureDefault();
    const name = reqString(f, "experiment_name");
    const id = await this.store.get<string>(keys.experimentName(name));
    if (id === undefined) throw notFound(`Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(await this.#experiment(id)) };
  }

  async searchExperiments(f: Fields) {
    await this.#ensureDefault();
    const view = viewType(f, "view_type");
    const filter = parseFilter(optString(f, "filter"));
    const order = parseOrderBy(stringList(f, "order_by"));
    const limit = maxResults(optInt(f, "max_results"), 1000, 50000);
    checkAttributes([...filter, ...order].map(identOf), EXPERIMENT_ATTRIBUTES, "experiments");
    const all = (await this.store.list<ExperimentRecord>(keys.experiments)).map((e) => e.value)
      .filter((e) => inView(e.lifecycle_stage, view) && matches(e, filter, experimentField));
    // MLflow's default: newest first, then by id.
    sortBy(all, [...order, ...DEFAULT_EXPERIMENT_ORDER], experimentField);
    const { items, next } = page(all, limit, optString(f, "page_token"));
    return {
      experiments: items.length ? items.map(experimentJson) : undefined,
      next_page_token: next,
    };
  }

  updateExperiment(f: Fields) {
    const id = reqString(f, "experiment_id");
    const newName = reqString(f, "new_name");
    checkName("Experiment", newName);
    return this.#write(async () => {
      const exp = await this.#experiment(id);
      if (exp.lifecycle_stage !== "active") {
        throw invalid("Cannot rename a non-active experiment.");
      }
      if (newName === exp.name) return {};
      await this.#experimentNameFree(newName);
      const updated = { ...exp, name: newName, last_update_time: Date.now() };
      await this.store.write([
        { key: keys.experiment(id), value: updated },
        { key: keys.experimentName(exp.name), value: null },
        { key: keys.experimentName(newName), value: id },
      ]);
      await this.publish("experiment", { action: "renamed", experiment: experimentJson(updated) });
      return {};
    });
  }

  deleteExperiment(f: Fields) {
    return this.#setExperimentStage(reqString(f, "experiment_id"), "deleted");
  }

  restoreExperiment(f: Fields) {
    return this.#setExperimentStage(reqString(f, "experiment_id"), "active");
  }

  setExperimentTag(f: Fields) {
    const id = reqString(f, "experiment_id");
    const key = reqString(f, "key");
    const value = valueString(f, "value");
    checkKey("tag", key);
    checkValueLength("tag", key, value);
    return this.#write(async () => {
      const exp = await this.#activeExperiment(id);
      const updated = { ...exp, tags: { ...exp.tags, [key]: value } };
      await this.store.write([{ key: keys.experiment(id), value: updated }]);
      return {};
    });
  }

  // ---- runs ----

  createRun(f: Fields) {
    const experimentId = optString(f, "experiment_id") || DEFAULT_EXPERIMENT_ID;
    const tagMap = readTags(f);
    const runName = optString(f, "run_name") || tagMap["mlflow.runName"] || generatedName();
    tagMap["mlflow.runName"] = runName;
    const userId = optString(f, "user_id") ?? "";
    if (userId && !tagMap["mlflow.user"]) tagMap["mlflow.user"] = userId;
    const startTime = optInt(f, "start_time") ?? Date.now();
    return this.#write(async () => {
      await this.#ensureDefault();
      await this.#activeExperiment(experimentId);
      const runId = crypto.randomUUID().replaceAll("-", "");
      const info: RunRecord = {
        run_id: runId,
        run_name: runName,
        experiment_id: experimentId,
        user_id: userId,
        status: "RUNNING",
        start_time: startTime,
        artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        lifecycle_stage: "active",
        metric_seq: 0,
      };
      await this.store.write([
        { key: keys.run(runId), value: info },
        { key: keys.experimentRun(experimentId, runId), value: true },
        ...Object.entries(tagMap).map(([k, v]) => ({ key: keys.tag(runId, k), value: v })),
      ]);
      const run: FullRun = { info, params: {}, tags: tagMap, metrics: [] };
      await this.publish("run", { action: "created", ...runInfoJson(info) }, `mlflow:${runId}:run`);
      return { run: runJson(run) };
    });
  }

  async getRun(f: Fields) {
    return { run: runJson(await this.fullRun(reqStringOf(f, RUN_ID))) };
  }

  updateRun(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const status = optString(f, "status");
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
      throw invalid(
        `Invalid value '${status}' for parameter 'status': expected one of ${
          RUN_STATUSES.join(", ")
        }`,
      );
    }
    const endTime = optInt(f, "end_time");
    const runName = optString(f, "run_name");
    return this.#write(async () => {
      const info = await this.#activeRun(runId);
      const updated: RunRecord = {
        ...info,
        status: (status as RunStatus | undefined) ?? info.status,
        end_time: endTime ?? info.end_time,
        run_name: runName || info.run_name,
      };
      const writes: StoreWrite[] = [{ key: keys.run(runId), value: updated }];
      if (runName) writes.push({ key: keys.tag(runId, "mlflow.runName"), value: runName });
      await this.store.write(writes);
      await this.publish("run", { action: "updated", ...runInfoJson(updated) });
      return { run_info: runInfoJson(updated) };
    });
  }

  deleteRun(f: Fields) {
    return this.#setRunStage(reqStringOf(f, RUN_ID), "deleted");
  }

  restoreRun(f: Fields) {
    return this.#setRunStage(reqStringOf(f, RUN_ID), "active");
  }

  logMetric(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const metric = readMetric(f);
    return this.#logBatch(runId, [metric], [], []);
  }

  logParam(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const key = reqString(f, "key");
    return this.#logBatch(runId, [], [{ key, value: valueString(f, "value") }], []);
  }

  setTag(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const key = reqString(f, "key");
    return this.#logBatch(runId, [], [], [{ key, value: valueString(f, "value") }]);
  }

  logBatch(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const metrics = optList(f, "metrics");
    const params = optList(f, "params");
    const tags = optList(f, "tags");
    for (
      const [what, list] of [["metrics", metrics], ["params", params], ["tags", tags]] as const
    ) {
      if (list.length > BATCH_LIMITS[what]) {
        throw invalid(
          `A batch logging request can contain at most ${
            BATCH_LIMITS[what]
          } ${what}. Got ${list.length} ${what}. Please split up ${what} across multiple requests and try again.`,
        );
      }
    }
    const total = metrics.length + params.length + tags.length;
    if (total > BATCH_LIMITS.total) {
      throw invalid(
        `A batch logging request can contain at most ${BATCH_LIMITS.total} metrics, params, and tags in total. Got ${total}.`,
      );
    }
    return this.#logBatch(
      runId,
      metrics.map((m) => readMetric(asFields(m))),
      params.map((p) => ({
        key: reqString(asFields(p), "key"),
        value: valueString(asFields(p), "value"),
      })),
      tags.map((t) => ({
        key: reqString(asFields(t), "key"),
        value: valueString(asFields(t), "value"),
      })),
    );
  }

  deleteTag(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const key = reqString(f, "key");
    return this.#write(async () => {
      await this.#activeRun(runId);
      if (await this.store.get(keys.tag(runId, key)) === undefined) {
        throw notFound(`No tag with name: ${key} in run with id ${runId}`);
      }
      await this.store.write([{ key: keys.tag(runId, key), value: null }]);
      return {};
    });
  }

  async getMetricHistory(f: Fields) {
    const runId = reqStringOf(f, RUN_ID);
    const key = reqString(f, "metric_key");
    await this.#run(runId);
    const limit = maxResults(optInt(f, "max_results"), 25000, 25000);
    const points = await this.store.list<Metric>(keys.history(runId, key));
    const { items, next } = page(points.map((p) => p.value), limit, optString(f, "page_token"));
    return { metrics: items.length ? items : undefined, next_page_token: next };
  }

  async searchRuns(f: Fields) {
    const experimentIds = stringList(f, "experiment_ids");
    const view = viewType(f, "run_view_type");
    const filter = parseFilter(optString(f, "filter"));
    const order = parseOrderBy(stringList(f, "order_by"));
    const limit = maxResults(optInt(f, "max_results"), 1000, 50000);
    checkAttributes([...filter, ...order].map(identOf), RUN_ATTRIBUTES, "runs");
    const ids = await Promise.all(
      [...new Set(experimentIds)].map((e) => this.store.list(keys.experimentRuns(e))),
    );
    const infos = await Promise.all(ids.flat().map((e) => this.#run(String(e.key[2]))));
    const runs = await Promise.all(
      infos.filter((r) => inView(r.lifecycle_stage, view)).map((r) => this.#complete(r)),
    );
    const found = runs.filter((r) => matches(r, filter, runField));
    sortBy(found, [...order, ...DEFAULT_RUN_ORDER], runField);
    const { items, next } = page(found, limit, optString(f, "page_token"));
    return { runs: items.length ? items.map(runJson) : undefined, next_page_token: next };
  }

  /** A run with its params, tags and latest metrics. */
  async fullRun(runId: string): Promise<FullRun> {
    return this.#complete(await this.#run(runId));
  }

  /** The runs of an experiment (active ones), for the comparison page. */
  async experimentRuns(experimentId: string): Promise<FullRun[]> {
    const res = await this.searchRuns({ experiment_ids: [experimentId] });
    const ids = (res.runs ?? []).map((r) => r.info.run_id);
    return Promise.all(ids.map((id) => this.fullRun(id)));
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    return (await this.store.list<Metric>(keys.history(runId, key))).map((e) => e.value);
  }

  // ---- internals ----

  #write<T>(work: () => Promise<T>): Promise<T> {
    return this.#serial.run(work);
  }

  async #ensureDefault(): Promise<void> {
    if (this.#defaultReady) return;
    if (await this.store.get(keys.experiment(DEFAULT_EXPERIMENT_ID)) === undefined) {
      const now = Date.now();
      const exp: ExperimentRecord = {
        experiment_id: DEFAULT_EXPERIMENT_ID,
        name: "Default",
        artifact_location: `mlflow-artifacts:/${DEFAULT_EXPERIMENT_ID}`,
        lifecycle_stage: "active",
        creation_time: now,
        last_update_time: now,
        tags: {},
      };
      await this.store.write([
        { key: keys.experiment(DEFAULT_EXPERIMENT_ID), value: exp },
        { key: keys.experimentName("Default"), value: DEFAULT_EXPERIMENT_ID },
      ]);
    }
    this.#defaultReady = true;
  }

  async #experimentNameFree(name: string): Promise<void> {
    await this.#ensureDefault();
    if (await this.store.get(keys.experimentName(name)) !== undefined) {
      throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
    }
  }

  async #experiment(id: string): Promise<ExperimentRecord> {
    const exp = await this.store.get<ExperimentRecord>(keys.experiment(id));
    if (!exp) throw notFound(`No Experiment with id=${id} exists`);
    return exp;
  }

  async #activeExperiment(id: string): Promise<ExperimentRecord> {
    const exp = await this.#experiment(id);
    if (exp.lifecycle_stage !== "active") {
      throw invalid(
        `The experiment ${id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`,
      );
    }
    return exp;
  }

  #setExperimentStage(id: string, stage: "active" | "deleted") {
    return this.#write(async () => {
      await this.#ensureDefault();
      const exp = await this.#experiment(id);
      if (exp.lifecycle_stage === stage) {
        throw invalid(
          `Cannot ${
            stage === "active" ? "restore" : "delete"
          } experiment ${id}: it is already ${stage}.`,
        );
      }
      const updated = { ...exp, lifecycle_stage: stage, last_update_time: Date.now() };
      await this.store.write([{ key: keys.experiment(id), value: updated }]);
      const action = stage === "active" ? "restored" : "deleted";
      await this.publish("experiment", { action, experiment: experimentJson(updated) });
      return {};
    });
  }

  async #run(runId: string): Promise<RunRecord> {
    const run = await this.store.get<RunRecord>(keys.run(runId));
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  async #activeRun(runId: string): Promise<RunRecord> {
    const run = await this.#run(runId);
    if (run.lifecycle_stage !== "active") {
      throw invalid(
        `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`,
      );
    }
    return run;
  }

  async #complete(info: RunRecord): Promise<FullRun> {
    const [params, tags, latest] = await Promise.all([
      this.store.list<string>(keys.params(info.run_id)),
      this.store.list<string>(keys.tags(info.run_id)),
      this.store.list<Metric>(keys.latests(info.run_id)),
    ]);
    const byKey = (list: { key: readonly (string | number)[]; value: string }[]) =>
      Object.fromEntries(list.map((e) => [String(e.key[2]), e.value]));
    return {
      info,
      params: byKey(params),
      tags: byKey(tags),
      metrics: latest.map((e) => e.value),
    };
  }

  #setRunStage(runId: string, stage: "active" | "deleted") {
    return this.#write(async () => {
      const run = await this.#run(runId);
      const updated = { ...run, lifecycle_stage: stage };
      await this.store.write([{ key: keys.run(runId), value: updated }]);
      const action = stage === "active" ? "restored" : "deleted";
      await this.publish("run", { action, ...runInfoJson(updated) });
      return {};
    });
  }

  /** Validates everything first, then stores it in one write: all of the batch or none. */
  #logBatch(
    runId: string,
    metrics: Metric[],
    params: { key: string; value: string }[],
    tags: { key: string; value: string }[],
  ) {
    for (const m of metrics) checkKey("metric", m.key);
    for (const p of params) {
      checkKey("param", p.key);
      checkValueLength("param", p.key, p.value);
    }
    for (const t of tags) {
      checkKey("tag", t.key);
      checkValueLength("tag", t.key, t.value);
    }
    return this.#write(async () => {
      const run = await this.#activeRun(runId);
      const writes: StoreWrite[] = [];
      const seen = new Map<string, string>();
      for (const p of params) {
        const logged = seen.get(p.key) ?? await this.store.get<string>(keys.param(runId, p.key));
        if (logged !== undefined && logged !== p.value) {
          throw invalid(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${logged}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          );
        }
        seen.set(p.key, p.value);
        writes.push({ key: keys.param(runId, p.key), value: p.value });
      }
      for (const t of tags) writes.push({ key: keys.tag(runId, t.key), value: t.value });
      let seq = run.metric_seq;
      const latest = new Map<string, Metric | undefined>();
      for (const m of metrics) {
        writes.push({ key: keys.point(runId, m.key, seq++), value: m });
        if (!latest.has(m.key)) {
          latest.set(m.key, await this.store.get<Metric>(keys.latest(runId, m.key)));
        }
        const current = latest.get(m.key);
        if (!current || newer(m, current)) latest.set(m.key, m);
      }
      for (const [key, m] of latest) writes.push({ key: keys.latest(runId, key), value: m });
      const tagged = tags.find((t) => t.key === "mlflow.runName");
      if (metrics.length || tagged) {
        writes.push({
          key: keys.run(runId),
          value: { ...run, metric_seq: seq, run_name: tagged?.value ?? run.run_name },
        });
      }
      await this.store.write(writes);
      const about = { run_id: runId, experiment_id: run.experiment_id };
      if (metrics.length) {
        await this.publish("metrics", { ...about, metrics }, `mlflow:${runId}:m${run.metric_seq}`);
      }
      if (params.length) await this.publish("params", { ...about, params });
      if (tags.length) await this.publish("tags", { ...about, tags });
      return {};
    });
  }
}

/** MLflow's latest value: the largest step, then timestamp, then value. */
function newer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value >= b.value;
}

function readMetric(f: Fields): Metric {
  return {
    key: reqString(f, "key"),
    value: reqNumber(f, "value"),
    timestamp: reqInt(f, "timestamp"),
    step: optInt(f, "step") ?? 0,
  };
}

/** Param and tag values are strings; numbers and booleans are taken as their text. */
function valueString(f: Fields, name: string): string {
  const v = f[name];
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return optString(f, name) ?? "";
}

function asFields(v: unknown): Fields {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalid(`Invalid batch entry ${JSON.stringify(v)}: expected an object`);
  }
  return v as Fields;
}

function viewType(f: Fields, name: string): ViewType {
  const v = optString(f, name) ?? "ACTIVE_ONLY";
  if (v !== "ACTIVE_ONLY" && v !== "DELETED_ONLY" && v !== "ALL") {
    throw invalid(
      `Invalid value '${v}' for parameter '${name}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`,
    );
  }
  return v;
}

function inView(stage: string, view: ViewType): boolean {
  return view === "ALL" || (view === "ACTIVE_ONLY") === (stage === "active");
}

const DEFAULT_EXPERIMENT_ORDER = parseOrderBy(["creation_time DESC", "experiment_id ASC"]);
const DEFAULT_RUN_ORDER = parseOrderBy(["start_time DESC", "run_id ASC"]);

const EXPERIMENT_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "experiment_id",
  "creation_time",
  "last_update_time",
  "lifecycle_stage",
  "artifact_location",
]);

const experimentField = taggedEntityField<ExperimentRecord>();

const RUN_ATTRIBUTES: ReadonlySet<string> = new Set([
  "run_name",
  "status",
  "start_time",
  "end_time",
  "run_id",
  "user_id",
  "artifact_uri",
  "experiment_id",
  "lifecycle_stage",
]);

function runField(r: FullRun, ident: Identifier): string | number | undefined {
  switch (ident.type) {
    case "metric":
      return r.metrics.find((m) => m.key === ident.key)?.value;
    case "param":
      return r.params[ident.key];
    case "tag":
      return r.tags[ident.key];
  }
  return r.info[ident.key as keyof RunRecord] as string | number | undefined;
}

function identOf(c: { ident: Identifier }): Identifier {
  return c.ident;
}

const ADJECTIVES = ["bold", "calm", "eager", "lucky", "quick", "wild", "sly", "brave"];
const NOUNS = ["joker", "flush", "ante", "blind", "deck", "gambit", "spade", "tarot"];

/** MLflow-style `<adjective>-<noun>-<number>` when the client names no run. */
function generatedName(): string {
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)];
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
}
