// The REST routes in process (app.fetch on the memory storage): what the mod and readers see,
// errors as JSON bodies naming the problem, nothing valid lost beside something invalid.
import assert from "node:assert/strict";
import { inProcessApp } from "../app/_in_process.ts";

const BATCH = "/api/v1/events/batch";
const post = (body: string) => ({
  method: "POST",
  body,
  headers: { "content-type": "application/json" },
});

async function lines(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text()).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("ingest, read back, dedupe and one event by offset", async () => {
  await using bus = await inProcessApp();
  const body = JSON.stringify({
    events: [
      { type: "HEARTBEAT", event_id: "h1", payload: {} },
      { type: "MONEY_CHANGED", event_id: "m1", payload: { money: 4 } },
    ],
  });
  const first = await bus.request(BATCH, post(body));
  assert.equal(first.status, 200);
  assert.equal((await first.json()).accepted, 2);
  const again = await (await bus.request(BATCH, post(body))).json();
  assert.equal(again.accepted, 0);
  assert.equal(again.duplicates, 2);
  const read = await bus.request("/api/v1/events?from=0");
  assert.equal(read.headers.get("x-log-head"), "2");
  assert.deepEqual((await lines(read)).map((e) => e.event_id), ["h1", "m1"]);
  const one = await (await bus.request("/api/v1/events/1")).json();
  assert.equal(one.event_id, "m1");
  assert.equal(one.topic, "game.money.changed");
  const missing = await bus.request("/api/v1/events/7");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /No event at offset 7; the log holds offsets 0 to 1/);
});

Deno.test("a bad event is dead-lettered beside the good ones; bad JSON is a 400 naming it", async () => {
  await using bus = await inProcessApp();
  const mixed = await bus.request(
    BATCH,
    post(JSON.stringify({ events: [{ type: "HEARTBEAT", payload: {} }, { payload: 3 }] })),
  );
  assert.equal(mixed.status, 200);
  const answer = await mixed.json();
  assert.equal(answer.accepted, 1);
  assert.equal(answer.dead_lettered.length, 1);
  const letters = await lines(await bus.request("/api/v1/deadletter"));
  assert.equal(letters.length, 1);
  assert.equal(letters[0].seq, answer.dead_lettered[0].dead_letter);
  const broken = await bus.request(BATCH, post('{"events": [ {"type": '));
  assert.equal(broken.status, 400);
  const error = await broken.json();
  assert.equal(error.status, "error");
  assert.ok(typeof error.error === "string" && error.error.length > 0);
  assert.equal((await lines(await bus.request("/api/v1/events"))).length, 1, "valid event kept");
});

Deno.test("unknown paths, wrong methods and bad query parameters are 4xx with JSON bodies", async () => {
  await using bus = await inProcessApp();
  const nowhere = await bus.request("/nowhere");
  assert.equal(nowhere.status, 404);
  assert.match((await nowhere.json()).error, /No route \/nowhere/);
  const wrong = await bus.request("/api/v1/commands/poll", { method: "DELETE" });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET");
  await wrong.body?.cancel();
  const badLimit = await bus.request("/api/v1/events?limit=lots");
  assert.equal(badLimit.status, 400);
  assert.match((await badLimit.json()).error, /limit/);
});

Deno.test("health and readiness follow the app's state", async () => {
  await using bus = await inProcessApp();
  const health = await (await bus.request("/health")).json();
  assert.equal(health.status, "healthy");
  assert.equal(health.log_head, 0);
  assert.equal((await bus.request("/ready")).status, 200);
  bus.app.ready = false;
  const notReady = await bus.request("/ready");
  assert.equal(notReady.status, 503);
  assert.equal(notReady.headers.get("retry-after"), "1");
  await notReady.body?.cancel();
});

Deno.test("clients cannot post under the bus's own sources: REST and Connect", async () => {
  await using bus = await inProcessApp();
  const forged = { type: "ADVICE", subtype: "best_play", source: "jimbot-advisor", payload: {} };
  const batch = await bus.request(
    BATCH,
    post(JSON.stringify({ events: [forged, { type: "HEARTBEAT", event_id: "ok", payload: {} }] })),
  );
  const answer = await batch.json();
  assert.equal(batch.status, 200);
  assert.equal(answer.accepted, 1, "the valid event beside it is stored");
  assert.match(answer.dead_lettered[0].reason, /"jimbot-advisor" is reserved for the bus's own/);
  // A batch-level source names every event of the batch that has none of its own.
  const batchLevel = await bus.request(
    BATCH,
    post(JSON.stringify({ source: "jimbot-coordinator", events: [{ type: "HEARTBEAT" }] })),
  );
  assert.equal((await batchLevel.json()).dead_lettered.length, 1);
  const single = await bus.request("/api/v1/events", post(JSON.stringify(forged)));
  assert.equal(single.status, 400);
  const rpc = await bus.request("/jimbot.bus.v1.EventBus/Publish", {
    method: "POST",
    body: JSON.stringify({ batch: { events: [{ type: "ADVICE", source: "jimbot-mlflow" }] } }),
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
  });
  assert.equal(rpc.status, 200);
  assert.equal((await rpc.json()).deadLettered.length, 1);
  const stored = await lines(await bus.request("/api/v1/events?from=0"));
  assert.deepEqual(stored.map((e) => e.source), ["unknown"]);
});
