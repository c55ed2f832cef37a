// Operations: health, readiness, metrics, graceful shutdown, the CLI and its environment.
import assert from "node:assert/strict";
import { cli, fixture, startBus } from "./_bus.ts";

const BATCH = "/api/v1/events/batch";

Deno.test("GET /health: the original shape plus the log head, uptime from process start", async () => {
  await using bus = await startBus();
  await bus.post(BATCH, fixture("heartbeat_batch.json"));
  await new Promise((r) => setTimeout(r, 1100));
  const res = await bus.get("/health");
  assert.equal(res.status, 200);
  assert.equal(res.json.status, "healthy");
  assert.equal(typeof res.json.version, "string");
  assert.ok(res.json.uptime_seconds >= 1);
  assert.equal(res.json.log_head, 2);
  assert.deepEqual(res.json.metadata, { service: "jimbot-bus", protocol_version: "1.0" });
  assert.equal((await bus.get("/ready")).status, 200);
});

Deno.test("GET /metrics: live counters by type, commit histograms, head, process metrics", async () => {
  await using bus = await startBus();
  await bus.post(BATCH, fixture("heartbeat_batch.json"));
  await bus.post(BATCH, fixture("heartbeat_batch.json"));
  await bus.post(BATCH, JSON.stringify({ events: [{ payload: {} }, { type: "NEW_THING" }] }));
  await bus.post(BATCH, "{broken");
  const text = (await bus.get("/metrics")).text;
  const value = (series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(series + " "));
    assert.ok(line, `missing ${series}`);
    return Number(line.split(" ")[1]);
  };
  assert.equal(value('jimbot_events_received_total{type="HEARTBEAT"}'), 2);
  assert.equal(value('jimbot_events_stored_total{type="HEARTBEAT"}'), 1);
  assert.equal(value('jimbot_events_duplicate_total{type="GAME_STATE"}'), 1);
  assert.equal(value('jimbot_events_stored_total{type="other"}'), 1);
  assert.equal(value('jimbot_events_dead_lettered_total{type="none"}'), 2);
  assert.equal(value("jimbot_log_head_offset"), 3);
  assert.ok(value("jimbot_log_commit_duration_seconds_count") >= 3);
  assert.ok(value("jimbot_log_commit_events_sum") >= 3);
  assert.ok(
    value(
      'jimbot_http_request_duration_seconds_count{route="/api/v1/events/batch",method="POST",status="200"}',
    ) >= 3,
  );
  assert.ok(value("process_resident_memory_bytes") > 0);
});

Deno.test("SIGTERM: in-flight requests finish, commits flush, exit code 0", async () => {
  const bus = await startBus();
  const posts = Array.from(
    { length: 50 },
    (_, i) =>
      bus.post(
        BATCH,
        JSON.stringify({ events: [{ type: "HEARTBEAT", event_id: `e${i}`, payload: {} }] }),
      )
        .then((r) => r.status, () => 0),
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await bus.stop("SIGTERM"), 0);
  const statuses = await Promise.all(posts);
  assert.match(bus.logs, /"msg":"stopped"/);
  await using after = await startBus([], { dataDir: bus.dataDir });
  const stored = new Set((await after.events()).map((e) => e.event_id));
  statuses.forEach((s, i) => {
    if (s === 200) assert.ok(stored.has(`e${i}`), `acknowledged e${i} kept`);
  });
});

Deno.test("--help lists every option with its JIMBOT_ variable; bad options exit 2", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--host",
      "--port",
      "--data-dir",
      "--log-level",
      "--max-body-bytes",
      "--retention-max-age",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /JIMBOT_DATA_DIR/);
  const bad = await cli(["serve", "--port=80a"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port must be an integer from 0 to 65535: got "80a"/);
  const unknown = await cli(["--nope=1"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option "--nope"/);
  const badEnv = await cli(["serve"], { JIMBOT_LOG_LEVEL: "loud" });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /JIMBOT_LOG_LEVEL must be one of/);
});

Deno.test("JIMBOT_* variables configure the bus; a flag beats the variable", async () => {
  await using bus = await startBus(["--log-level=debug"], {
    env: { JIMBOT_MAX_BATCH_EVENTS: "2", JIMBOT_LOG_LEVEL: "error" },
  });
  const three = JSON.stringify({ events: [{ type: "A" }, { type: "B" }, { type: "C" }] });
  assert.equal((await bus.post(BATCH, three)).status, 413);
  assert.match(bus.logs, /"level":"info"/, "--log-level=debug beat JIMBOT_LOG_LEVEL=error");
});

Deno.test("start-up failures are one sentence: a bad coordinator file exits 2, a taken port exits 1", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/coordinator.json`, '{"memory": {"total_mb": "lots"}}');
  const bad = await cli([
    "serve",
    "--port=0",
    `--data-dir=${dir}/d`,
    `--coordinator-config=${dir}/coordinator.json`,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^Cannot start: /m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  await using bus = await startBus();
  const taken = await cli(["serve", `--port=${bus.port}`, `--data-dir=${dir}/e`]);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /^Cannot start: /m);
  await Deno.remove(dir, { recursive: true });
});
