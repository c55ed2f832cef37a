// The npm `mlflow` package (2.0.7, a third-party Node client of MLflow's REST API) drives the
// whole tracking flow against a real bus: experiments, runs, params, metrics, batches, tags,
// history, search, artifacts listing. The package has no model-registry methods, so the registry
// part goes through its exported transport class (MLflowBase.req) with the registry paths.
// Also checks that the tracking data survives a restart and reaches the bus as experiment.* events.
import assert from "node:assert/strict";
import { RunningBus } from "../integration/_bus.ts";
import mlflowPackage from "mlflow";
import { MLflowBase } from "mlflow/lib/mlflow.js";

type Api = Record<string, (args: Json) => Promise<Json>>;
// The package's entry point is `module.exports = MLflow`, which its typings do not describe.
const MLflow = mlflowPackage as unknown as new (
  args: { endpoint: string; headers: Record<string, string> },
) => {
  Experiments: Api;
  Runs: Api;
  Metrics: Api;
  Artifacts: Api;
};

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** The client throws `Error("Error: {status, statusText, data}")` on a non-200 answer. */
async function failure(call: Promise<unknown>): Promise<{ status: number; data: Json }> {
  try {
    await call;
  } catch (err) {
    const text = (err as Error).message.replace(/^Error: /, "");
    return JSON.parse(text);
  }
  throw new Error("the call succeeded; a failure was expected");
}

/** The package's own transport (a subclass of its exported base), on the registry's paths. */
class RegistryClient extends MLflowBase {
  constructor(endpoint: string, headers: Record<string, string>, path: string) {
    super({ endpoint, headers });
    this.path = path;
  }

  call(method: string, path: string, param: Json): Promise<Json> {
    return this.req(method, path, param);
  }
}

function registry(bus: RunningBus, path: string): RegistryClient {
  return new RegistryClient(bus.url, bus.auth, path);
}

Deno.test("the npm mlflow client runs a full tracking flow against the bus", async () => {
  let bus = await RunningBus.start();
  try {
    const client = new MLflow({ endpoint: bus.url, headers: bus.auth });
    const { Experiments, Runs, Metrics, Artifacts } = client;

    const { experiment_id } = await Experiments.create({ name: "blind-policy" });
    assert.match(experiment_id, /^\d+$/);
    const dup = await failure(Experiments.create({ name: "blind-policy" }));
    assert.equal(dup.status, 400);
    assert.equal(dup.data.error_code, "RESOURCE_ALREADY_EXISTS");
    await Experiments.update({ experiment_id, new_name: "blind-policy-v2" });
    const { experiment } = await Experiments.get({ experiment_id });
    assert.equal(experiment.name, "blind-policy-v2");
    assert.equal(experiment.lifecycle_stage, "active");
    const listed = await Experiments.list({});
    assert.deepEqual(
      listed.experiments.map((e: Json) => e.name).sort(),
      ["Default", "blind-policy-v2"],
    );

    // Two runs with different hyperparameters and a loss curve each.
    const runs: string[] = [];
    for (
      const [name, lr, losses] of [["run-a", "0.1", [0.9, 0.6, 0.4]], [
        "run-b",
        "0.01",
        [0.95, 0.8, 0.7],
      ]] as const
    ) {
      const { run } = await Runs.create({
        experiment_id,
        start_time: Date.now(),
        tags: [{ key: "mlflow.runName", value: name }],
      });
      assert.equal(run.info.status, "RUNNING");
      assert.equal(run.info.run_name, name);
      const run_id = run.info.run_id;
      runs.push(run_id);
      await Runs.logParameter({ run_id, key: "lr", value: lr });
      await Runs.logParameter({ run_id, key: "batch_size", value: "32" });
      for (const [step, loss] of losses.entries()) {
        await Runs.logMetric({ run_id, key: "loss", value: loss, timestamp: Date.now(), step });
      }
      await Runs.logBatch({
        run_id,
        metrics: [{
          key: "win_rate",
          value: lr === "0.1" ? 0.3 : 0.2,
          timestamp: Date.now(),
          step: 2,
        }],
        params: [{ key: "policy", value: "greedy" }],
        tags: [{ key: "stage", value: "dev" }, { key: "scratch", value: "x" }],
      });
      await Runs.setTag({ run_id, key: "owner", value: "jimbot" });
      await Runs.deleteTag({ run_id, key: "scratch" });
      await Runs.update({ run_id, status: "FINISHED", end_time: Date.now() });
    }
    const changed = await failure(Runs.logParameter({ run_id: runs[0], key: "lr", value: "0.5" }));
    assert.equal(changed.data.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(changed.data.message, /Changing param values is not allowed/);

    const { run } = await Runs.get({ run_id: runs[0] });
    assert.equal(run.info.status, "FINISHED");
    const byKey = (list: Json[]) => Object.fromEntries(list.map((p) => [p.key, p.value]));
    assert.deepEqual(byKey(run.data.params), { batch_size: "32", lr: "0.1", policy: "greedy" });
    assert.deepEqual(byKey(run.data.metrics), { loss: 0.4, win_rate: 0.3 });
    const tags = byKey(run.data.tags);
    assert.equal(tags.owner, "jimbot");
    assert.equal(tags.stage, "dev");
    assert.equal(tags.scratch, undefined);

    const history = await Metrics.getHistory({ run_id: runs[1], metric_key: "loss" });
    assert.deepEqual(history.metrics.map((m: Json) => [m.step, m.value]), [[0, 0.95], [1, 0.8], [
      2,
      0.7,
    ]]);

    const best = await Runs.search({
      experiment_ids: [experiment_id],
      filter: "metrics.loss < 0.5 and params.policy = 'greedy'",
    });
    assert.deepEqual(best.runs.map((r: Json) => r.info.run_id), [runs[0]]);
    const ordered = await Runs.search({
      experiment_ids: [experiment_id],
      order_by: ["metrics.win_rate DESC"],
    });
    assert.deepEqual(ordered.runs.map((r: Json) => r.info.run_name), ["run-a", "run-b"]);

    await Runs.delete({ run_id: runs[1] });
    const active = await Runs.search({ experiment_ids: [experiment_id] });
    assert.deepEqual(active.runs.map((r: Json) => r.info.run_id), [runs[0]]);
    await Runs.restore({ run_id: runs[1] });

    // Artifacts: uploaded through the artifact proxy, listed through the client.
    const root = run.info.artifact_uri.replace("mlflow-artifacts:/", "");
    const put = await fetch(`${bus.url}/api/2.0/mlflow-artifacts/artifacts/${root}/model/w.bin`, {
      method: "PUT",
      headers: bus.auth,
      body: new Uint8Array([1, 2, 3, 4]),
    });
    assert.equal(put.status, 200, await put.text());
    const files = await Artifacts.list({ run_id: runs[0], path: "model" });
    assert.deepEqual(files.files, [{ path: "model/w.bin", is_dir: false, file_size: 4 }]);

    // The registry, over the client's transport.
    const models = registry(bus, "/registered-models");
    const versions = registry(bus, "/model-versions");
    await models.call("post", "/create", { name: "jimbot-policy", description: "blind policy" });
    for (const r of runs) {
      await versions.call("post", "/create", {
        name: "jimbot-policy",
        source: `runs:/${r}/model`,
        run_id: r,
      });
    }
    await versions.call("post", "/transition-stage", {
      name: "jimbot-policy",
      version: "1",
      stage: "production",
      archive_existing_versions: false,
    });
    await versions.call("post", "/transition-stage", {
      name: "jimbot-policy",
      version: "2",
      stage: "Production",
      archive_existing_versions: true,
    });
    const v1 = await versions.call("get", "/get", { name: "jimbot-policy", version: "1" });
    assert.equal(v1.model_version.current_stage, "Archived");
    const latest = await models.call("post", "/get-latest-versions", {
      name: "jimbot-policy",
      stages: ["Production"],
    });
    assert.deepEqual(latest.model_versions.map((v: Json) => v.version), ["2"]);
    await models.call("post", "/alias", { name: "jimbot-policy", alias: "champion", version: "2" });
    const champion = await models.call("get", "/alias", {
      name: "jimbot-policy",
      alias: "champion",
    });
    assert.equal(champion.model_version.run_id, runs[1]);
    await models.call("patch", "/update", { name: "jimbot-policy", description: "v2 is live" });
    const found = await models.call("get", "/search", { filter: "name LIKE 'jimbot%'" });
    assert.equal(found.registered_models.length, 1);
    assert.equal(found.registered_models[0].description, "v2 is live");
    assert.deepEqual(found.registered_models[0].aliases, [{ alias: "champion", version: "2" }]);
    const missing = await failure(
      versions.call("get", "/get", { name: "jimbot-policy", version: "9" }),
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.data.error_code, "RESOURCE_DOES_NOT_EXIST");

    // Durable: everything is there after a restart.
    bus = await bus.restart();
    const again = await new MLflow({ endpoint: bus.url, headers: bus.auth }).Runs.get({
      run_id: runs[0],
    });
    assert.deepEqual(byKey(again.run.data.metrics), { loss: 0.4, win_rate: 0.3 });
    const model = await registry(bus, "/registered-models").call("get", "/get", {
      name: "jimbot-policy",
    });
    assert.deepEqual(model.registered_model.latest_versions.map((v: Json) => v.current_stage), [
      "Production",
      "Archived",
    ]);

    // Every run and metric is on the bus.
    const events = await bus.events("topic=experiment.>&limit=100000");
    const topics = new Set(events.map((e) => e.topic));
    for (
      const t of [
        "experiment.experiment",
        "experiment.run",
        "experiment.metrics",
        "experiment.params",
        "experiment.model",
      ]
    ) {
      assert.ok(topics.has(t), `an event on ${t}`);
    }
    const losses = events
      .filter((e) => e.topic === "experiment.metrics")
      .flatMap((e) => (e.payload as Json).metrics as Json[])
      .filter((m) => m.key === "loss");
    assert.equal(losses.length, 6);
    const created = events.filter((e) =>
      e.topic === "experiment.run" && (e.payload as Json).action === "created"
    );
    assert.deepEqual(created.map((e) => (e.payload as Json).run_id).sort(), [...runs].sort());
  } finally {
    await bus.stop();
  }
});
