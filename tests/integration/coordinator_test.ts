import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { anyMissing, pathOf, PYTHON_GRPC, testName } from "../_tools.ts";

const SERVICE = "/jimbot.coordinator.v1.ResourceCoordinator";
const PYTHON_CLIENT = new URL("../coordinator/python_client.py", import.meta.url).pathname;
const PYTHON = await PYTHON_GRPC;

async function coordinatorConfig(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      memory: { total_mb: 4096, components: { graph: { reserved_mb: 1024 } } },
      limiters: { claude: { requests_per_hour: 100, burst: 10 } },
    }),
  );
  return path;
}

Deno.test("ResourceCoordinator over JSON POST: remaining quota unchanged after a restart", async () => {
  const config = await coordinatorConfig();
  let bus = await startBus([`--coordinator-config=${config}`, "--gpu=0:8000"]);
  try {
    for (let i = 0; i < 4; i++) {
      const r = await bus.post(`${SERVICE}/Reserve`, JSON.stringify({ limiter: "claude" }));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.allowed, true);
    }
    const lease = await bus.post(
      `${SERVICE}/Acquire`,
      JSON.stringify({ resource: "memory", amount: 512, component: "graph", ttlMs: 600000 }),
    );
    assert.equal(lease.json.state, "LEASE_STATE_GRANTED", lease.text);
    const remaining = async () => {
      const s = await bus.post(`${SERVICE}/GetStatus`, "{}");
      assert.equal(s.status, 200, s.text);
      return s.json;
    };
    const before = await remaining();
    assert.ok(before.limiters[0].buckets[0].remaining < 6.1);

    // coordinator events reach the bus under system.coordinator.* (published within ~20 ms)
    await new Promise((r) => setTimeout(r, 100));
    const events = await bus.events("limit=1000");
    const granted = events.filter((e) => e.topic === "system.coordinator.granted");
    assert.equal(granted.length, 1);

    bus = await bus.restart("SIGKILL"); // a crash, not a graceful stop
    const after = await remaining();
    const level = after.limiters[0].buckets[0].remaining;
    // 4 of 10 taken; a few seconds of refill (1 token per 36 s) adds well under one token
    assert.ok(level >= 6 && level < 6.5, `remaining after restart: ${level}`);
    const memory = after.resources.find((r: { resource: string }) => r.resource === "memory");
    assert.equal(memory.used, 512, "the live lease survived the restart");
    const gpu = after.resources.map((r: { resource: string }) => r.resource);
    assert.deepEqual(gpu, ["memory", "gpu:0:memory", "gpu:0:slice"]);

    // errors are Connect errors with codes
    const bad = await bus.post(`${SERVICE}/Reserve`, JSON.stringify({ limiter: "nope" }));
    assert.equal(bad.status, 404);
    assert.equal(bad.json.code, "not_found");

    // metrics
    const metrics = await bus.get("/metrics");
    assert.match(metrics.text, /jimbot_coordinator_rate_limit_remaining\{limiter="claude"/);
    assert.match(metrics.text, /jimbot_coordinator_utilisation_ratio\{resource="memory"\} 0.125/);
  } finally {
    await bus[Symbol.asyncDispose]();
    await Deno.remove(config);
  }
});

Deno.test({
  name: testName(
    "ResourceCoordinator: a Python client acquires, renews, releases a GPU slice",
    PYTHON,
  ),
  ignore: anyMissing(PYTHON),
}, async () => {
  await using bus = await startBus(["--gpu=0:8000"]);
  const out = await new Deno.Command(pathOf(PYTHON), {
    args: [PYTHON_CLIENT, bus.url, String(bus.grpcPort)],
    env: { JIMBOT_TOKEN: bus.token },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `python failed:\n${stdout}\n${stderr}\n${bus.logs}`);
  const steps = stdout.trim().split("\n").map((l) => JSON.parse(l).step);
  assert.deepEqual(steps, [
    "json.acquire",
    "json.renew",
    "json.release",
    "grpc.acquire",
    "grpc.renew",
    "grpc.release",
    "grpc.status",
  ]);
});
