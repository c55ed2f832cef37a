// Raw HTTP against a real bus: every MLflow endpoint's refusals answer MLflow's status code and
// `{"error_code", "message"}` body, and a refused request stores nothing.
import assert from "node:assert/strict";
import { RunningBus } from "../integration/_bus.ts";

const API = "/api/2.0/mlflow/";

interface Case {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  /** JSON body (POST/PATCH/DELETE) or query fields (GET); a string is sent as the raw body. */
  readonly body?: Record<string, unknown> | string;
  readonly status: number;
  readonly code: string;
  /** Words the message must contain. */
  readonly says?: RegExp;
}

async function call(
  bus: { url: string; auth: Record<string, string> },
  c: Omit<Case, "status" | "code">,
) {
  let target = bus.url + API + c.path;
  const init: RequestInit = { method: c.method, headers: bus.auth };
  if (c.method === "GET") {
    const query = new URLSearchParams(c.body as Record<string, string> ?? {});
    target += "?" + query;
  } else if (c.body !== undefined) {
    init.body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
    init.headers = { "content-type": "application/json", ...bus.auth };
  }
  const res = await fetch(target, init);
  return { status: res.status, body: await res.json() };
}

Deno.test("every MLflow endpoint refuses bad requests with MLflow's error codes", async () => {
  const bus = await RunningBus.start(["--artifacts-max-bytes=1000", "--body-timeout=1s"]);
  try {
    const ok = async (c: Omit<Case, "status" | "code">) => {
      const { status, body } = await call(bus, c);
      assert.equal(status, 200, JSON.stringify(body));
      return body;
    };
    const { experiment_id } = await ok({
      method: "POST",
      path: "experiments/create",
      body: { name: "exp" },
    });
    await ok({ method: "POST", path: "experiments/create", body: { name: "other" } });
    const gone = await ok({ method: "POST", path: "experiments/create", body: { name: "gone" } });
    await ok({
      method: "POST",
      path: "experiments/delete",
      body: { experiment_id: gone.experiment_id },
    });
    const { run } = await ok({ method: "POST", path: "runs/create", body: { experiment_id } });
    const run_id = run.info.run_id;
    const dead = await ok({ method: "POST", path: "runs/create", body: { experiment_id } });
    await ok({ method: "POST", path: "runs/delete", body: { run_id: dead.run.info.run_id } });
    await ok({
      method: "POST",
      path: "runs/log-parameter",
      body: { run_id, key: "lr", value: "1" },
    });
    await ok({ method: "POST", path: "registered-models/create", body: { name: "m" } });
    await ok({ method: "POST", path: "registered-models/create", body: { name: "m2" } });
    await ok({ method: "POST", path: "model-versions/create", body: { name: "m", source: "s" } });

    const now = Date.now();
    const cases: Case[] = [
      // experiments
      {
        method: "POST",
        path: "experiments/create",
        body: {},
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /'name'/,
      },
      {
        method: "POST",
        path: "experiments/create",
        body: { name: ["x"] },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/create",
        body: { name: "exp" },
        status: 400,
        code: "RESOURCE_ALREADY_EXISTS",
      },
      {
        method: "POST",
        path: "experiments/create",
        body: "{not json",
        status: 400,
        code: "BAD_REQUEST",
      },
      { method: "POST", path: "experiments/create", body: "[1]", status: 400, code: "BAD_REQUEST" },
      {
        method: "GET",
        path: "experiments/get",
        body: { experiment_id: "999" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
        says: /id=999/,
      },
      { method: "GET", path: "experiments/get", status: 400, code: "INVALID_PARAMETER_VALUE" },
      {
        method: "GET",
        path: "experiments/get-by-name",
        body: { experiment_name: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "experiments/get-by-name",
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/search",
        body: { max_results: 0 },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /max_results/,
      },
      {
        method: "POST",
        path: "experiments/search",
        body: { filter: "name ~ 'x'" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/search",
        body: { page_token: "%%%" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /page token/,
      },
      {
        method: "POST",
        path: "experiments/search",
        body: { view_type: "SOME" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/update",
        body: { experiment_id },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /new_name/,
      },
      {
        method: "POST",
        path: "experiments/update",
        body: { experiment_id: "999", new_name: "z" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "experiments/update",
        body: { experiment_id, new_name: "other" },
        status: 400,
        code: "RESOURCE_ALREADY_EXISTS",
      },
      {
        method: "POST",
        path: "experiments/delete",
        body: { experiment_id: "999" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "experiments/restore",
        body: { experiment_id },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/set-experiment-tag",
        body: { experiment_id, key: "../x", value: "v" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "experiments/set-experiment-tag",
        body: { experiment_id: "999", key: "k", value: "v" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      // runs
      {
        method: "POST",
        path: "runs/create",
        body: { experiment_id: "999" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/create",
        body: { experiment_id: gone.experiment_id },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /active/,
      },
      {
        method: "GET",
        path: "runs/get",
        body: { run_id: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
        says: /Run with id=nope not found/,
      },
      {
        method: "GET",
        path: "runs/get",
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /run_id/,
      },
      {
        method: "POST",
        path: "runs/update",
        body: { run_id, status: "DONE" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/update",
        body: { run_id: "nope", status: "FINISHED" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/delete",
        body: { run_id: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/restore",
        body: { run_id: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/log-metric",
        body: { run_id, key: "loss", value: 1 },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /timestamp/,
      },
      {
        method: "POST",
        path: "runs/log-metric",
        body: { run_id, key: "loss", value: "abc", timestamp: now },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/log-metric",
        body: { run_id, key: "lo$s", value: 1, timestamp: now },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /Invalid metric name/,
      },
      {
        method: "POST",
        path: "runs/log-metric",
        body: { run_id: "nope", key: "loss", value: 1, timestamp: now },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/log-metric",
        body: { run_id: dead.run.info.run_id, key: "loss", value: 1, timestamp: now },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /active/,
      },
      {
        method: "POST",
        path: "runs/log-parameter",
        body: { run_id, key: "big", value: "x".repeat(6001) },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /6000/,
      },
      {
        method: "POST",
        path: "runs/log-parameter",
        body: { run_id, key: "lr", value: "2" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /Changing param values/,
      },
      {
        method: "POST",
        path: "runs/log-batch",
        body: {
          run_id,
          metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: i, timestamp: now })),
        },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /at most 1000 metrics/,
      },
      {
        method: "POST",
        path: "runs/log-batch",
        body: { run_id, params: [{ key: "kept", value: "no" }], metrics: [{ key: "m", value: 1 }] },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/log-batch",
        body: { run_id, params: [{ key: "a", value: "1" }, { key: "a", value: "2" }] },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/set-tag",
        body: { run_id, key: "k".repeat(251), value: "v" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /250/,
      },
      {
        method: "POST",
        path: "runs/delete-tag",
        body: { run_id, key: "absent" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "runs/search",
        body: { experiment_ids: [experiment_id], filter: "metrics.loss = 'a'" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/search",
        body: { experiment_ids: [experiment_id], filter: "params.lr > 1" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/search",
        body: { experiment_ids: [experiment_id], order_by: ["attributes.colour"] },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "runs/search",
        body: { experiment_ids: [experiment_id], filter: "params.lr = '1' or params.lr = '2'" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "GET",
        path: "metrics/get-history",
        body: { run_id },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /metric_key/,
      },
      {
        method: "GET",
        path: "metrics/get-history",
        body: { run_id: "nope", metric_key: "m" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "artifacts/list",
        body: { run_id: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      // registry
      {
        method: "POST",
        path: "registered-models/create",
        body: { name: "m" },
        status: 400,
        code: "RESOURCE_ALREADY_EXISTS",
      },
      {
        method: "POST",
        path: "registered-models/create",
        body: {},
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "GET",
        path: "registered-models/get",
        body: { name: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "registered-models/rename",
        body: { name: "m", new_name: "m2" },
        status: 400,
        code: "RESOURCE_ALREADY_EXISTS",
      },
      {
        method: "PATCH",
        path: "registered-models/update",
        body: { name: "nope", description: "d" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "DELETE",
        path: "registered-models/delete",
        body: { name: "nope" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "registered-models/search",
        body: { max_results: "5000" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "registered-models/get-latest-versions",
        body: { name: "m", stages: ["Live"] },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /stage/,
      },
      {
        method: "POST",
        path: "registered-models/alias",
        body: { name: "m", alias: "latest", version: "1" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "registered-models/alias",
        body: { name: "m", alias: "best", version: "7" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "registered-models/alias",
        body: { name: "m", alias: "best" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "registered-models/set-tag",
        body: { name: "nope", key: "k", value: "v" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "POST",
        path: "model-versions/create",
        body: { name: "m" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /source/,
      },
      {
        method: "POST",
        path: "model-versions/create",
        body: { name: "nope", source: "s" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "model-versions/get",
        body: { name: "m", version: "abc" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "GET",
        path: "model-versions/get",
        body: { name: "m", version: "99" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "PATCH",
        path: "model-versions/update",
        body: { name: "m", version: "99", description: "d" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "DELETE",
        path: "model-versions/delete",
        body: { name: "m", version: "99" },
        status: 404,
        code: "RESOURCE_DOES_NOT_EXIST",
      },
      {
        method: "GET",
        path: "model-versions/search",
        body: { filter: "name = " },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
      },
      {
        method: "POST",
        path: "model-versions/transition-stage",
        body: { name: "m", version: "1", stage: "Live" },
        status: 400,
        code: "INVALID_PARAMETER_VALUE",
        says: /Invalid Model Version stage/,
      },
      // routing
      { method: "GET", path: "experiments/nothing", status: 404, code: "ENDPOINT_NOT_FOUND" },
      { method: "GET", path: "runs/create", status: 405, code: "BAD_REQUEST" },
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const { status, body } = await call(bus, c);
      const fine = status === c.status && body.error_code === c.code &&
        typeof body.message === "string" && (!c.says || c.says.test(body.message));
      if (!fine) failures.push(`${c.method} ${c.path}: ${status} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(failures, []);

    // Refused batches stored nothing; the one param logged before is unchanged.
    const after = await ok({ method: "GET", path: "runs/get", body: { run_id } });
    assert.deepEqual(after.run.data.params, [{ key: "lr", value: "1" }]);
    assert.equal(after.run.data.metrics, undefined);

    // Artifacts: unsafe paths, absent files, and the total size cap.
    const art = `${bus.url}/api/2.0/mlflow-artifacts/artifacts`;
    const busFetch = (url: string, init: RequestInit = {}) =>
      fetch(url, { ...init, headers: bus.auth });
    const put = (path: string, bytes: number) =>
      busFetch(`${art}/${path}`, { method: "PUT", body: new Uint8Array(bytes) });
    const traversal = await put("1/..%2F..%2F..%2Fescape.txt", 10);
    assert.equal(traversal.status, 400);
    assert.equal((await traversal.json()).error_code, "INVALID_PARAMETER_VALUE");
    const absent = await busFetch(`${art}/1/none.bin`);
    assert.equal(absent.status, 404);
    assert.equal((await absent.json()).error_code, "RESOURCE_DOES_NOT_EXIST");
    assert.equal((await put("1/a.bin", 600)).status, 200);
    const full = await put("1/b.bin", 600);
    assert.equal(full.status, 413);
    assert.equal((await full.json()).error_code, "RESOURCE_EXHAUSTED");
    const listed = await (await busFetch(`${art}?path=1`)).json();
    assert.deepEqual(listed.files, [{ path: "1/a.bin", is_dir: false, file_size: 600 }]);
    assert.equal(
      (await (await busFetch(`${art}/1/a.bin`, { method: "DELETE" })).json()).error_code,
      undefined,
    );
    assert.equal((await put("1/b.bin", 600)).status, 200, "space is freed by a delete");
    const back = new Uint8Array(await (await busFetch(`${art}/1/b.bin`)).arrayBuffer());
    assert.equal(back.length, 600);

    // Uploads at the same time cannot pass the cap together (600 used, 2 × 300 would be 1200).
    const both = await Promise.all([put("2/x.bin", 300), put("2/y.bin", 300)]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 413]);
    await Promise.all(both.map((r) => r.body?.cancel()));

    // An upload that stops sending is refused after the body timeout and leaves nothing.
    let sender: ReadableStreamDefaultController<Uint8Array> | undefined;
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        sender = c;
        c.enqueue(new Uint8Array(10));
      },
    });
    const started = performance.now();
    const slow = await busFetch(`${art}/3/slow.bin`, { method: "PUT", body: stalled });
    assert.equal(slow.status, 408);
    assert.equal((await slow.json()).error_code, "BAD_REQUEST");
    assert.ok(performance.now() - started < 15_000);
    sender?.close();
    const slowDir = await (await busFetch(`${art}?path=3`)).json();
    assert.equal(slowDir.files, undefined);
  } finally {
    await bus.stop();
  }
});
