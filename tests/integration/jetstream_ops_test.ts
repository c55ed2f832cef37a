// Operating the bus on JetStream: a start while NATS is unreachable retries, says why in one
// sentence and exits; /ready follows the connection; a write NATS cannot acknowledge is a 503.
import assert from "node:assert/strict";
import { NATS_MISSING, NatsCluster } from "../_nats_server.ts";
import { startBus } from "./_bus.ts";

const skip = NATS_MISSING ? ` (skipped: ${NATS_MISSING})` : "";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const batch = () =>
  JSON.stringify({
    events: [{ type: "HEARTBEAT", event_id: crypto.randomUUID(), timestamp: 1, version: 1 }],
  });

Deno.test({
  name: `jetstream: a bus started while NATS is unreachable retries, then exits${skip}`,
  ignore: NATS_MISSING !== null,
  async fn() {
    const url = `nats://127.0.0.1:${freePort()}`;
    const started = Date.now();
    const err = await startBus([
      "--store=jetstream",
      `--nats-servers=${url}`,
      "--nats-connect-timeout=2s",
    ])
      .then(() => null, (e: Error) => e);
    assert.ok(err, "the bus started without NATS");
    assert.match(err.message, new RegExp(`Cannot reach NATS at ${url}.*retrying`));
    assert.match(
      err.message,
      /Cannot start: Cannot reach NATS at .* \(gave up after \d+ attempts\)/,
    );
    assert.ok(Date.now() - started >= 2_000, "it did not retry for the connect timeout");
  },
});

Deno.test({
  name: `jetstream: /ready follows the NATS connection; unacknowledged writes are 503${skip}`,
  ignore: NATS_MISSING !== null,
  async fn() {
    await using nats = await NatsCluster.start(1);
    await using bus = await startBus([
      "--store=jetstream",
      `--nats-servers=${nats.urls[0]}`,
      "--analytics=false",
    ]);
    assert.equal((await bus.get("/ready")).status, 200);
    assert.equal((await bus.post("/api/v1/events/batch", batch())).status, 200);
    await nats.killNode(0);
    await waitFor("/ready to fail", async () => (await bus.get("/ready")).status === 503);
    const refused = await bus.post("/api/v1/events/batch", batch());
    assert.equal(refused.status, 503, JSON.stringify(refused.json));
    nats.startNode(0);
    await waitFor("/ready to recover", async () => (await bus.get("/ready")).status === 200);
    await waitFor(
      "a write to succeed",
      async () => (await bus.post("/api/v1/events/batch", batch())).status === 200,
    );
    const metrics = await (await fetch(`${bus.url}/metrics`, { headers: bus.auth })).text();
    assert.match(metrics, /jimbot_store_reconnects_total [1-9]/);
    assert.match(metrics, /jimbot_store_publish_seconds_count [1-9]/);
  },
});

Deno.test({
  name: `jetstream: two buses share the coordinator's rate limit without over-granting${skip}`,
  ignore: NATS_MISSING !== null,
  async fn() {
    await using nats = await NatsCluster.start(1);
    const config = await Deno.makeTempFile({ suffix: ".json" });
    await Deno.writeTextFile(
      config,
      JSON.stringify({ limiters: { claude: { requests_per_hour: 1, burst: 10 } } }),
    );
    const flags = [
      "--store=jetstream",
      `--nats-servers=${nats.urls[0]}`,
      "--analytics=false",
      `--coordinator-config=${config}`,
      "--gpu=0:8000",
    ];
    await using a = await startBus(flags);
    await using b = await startBus(flags);
    const reserve = (bus: typeof a) =>
      bus.post(
        "/jimbot.coordinator.v1.ResourceCoordinator/Reserve",
        JSON.stringify({ limiter: "claude" }),
      );
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => reserve(i % 2 ? a : b)),
    );
    assert.ok(answers.every((r) => r.status === 200), JSON.stringify(answers.map((r) => r.text)));
    const allowed = answers.filter((r) => r.json.allowed === true).length;
    assert.equal(allowed, 10, "the burst of 10 was granted once across both buses");
    await Deno.remove(config);
  },
});
