// EventBus over Connect (HTTP/2 cleartext on the main port): publish, subscribe in order,
// wildcards, consumer-group resume across a restart, replay from an offset and from a time.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import {
  collect,
  connectClient,
  EARLIEST,
  fromOffset,
  fromTime,
  modEvent,
  publish,
} from "./_stream_client.ts";

Deno.test("EventBus Publish then Subscribe from earliest delivers every event in offset order", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  const events = Array.from({ length: 500 }, (_, i) => modEvent("MONEY_CHANGED", i));
  const [first, last] = await publish(client, events);
  assert.deepEqual([first, last], [0, 499]);
  const again = await client.publish({ batch: { events: [] } });
  assert.equal(again.accepted, 0n);
  const got = await collect(client, { start: EARLIEST }, 500);
  assert.deepEqual(got.map((d) => Number(d.offset)), events.map((_, i) => i));
  const e = got[7].body;
  assert.equal(e.case, "event");
  assert.equal(e.value?.topic, "game.money.changed");
  assert.equal(e.value?.eventId, "money_changed-7");
  assert.equal(e.value?.payload.case, "moneyChanged");
});

Deno.test("EventBus Publish is idempotent by event_id, like REST ingest", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  await publish(client, [modEvent("HEARTBEAT", 1)]);
  const res = await client.publish({
    batch: { events: [] },
  });
  assert.equal(res.accepted, 0n);
  const { batchToMessage } = await import("../../src/proto/mod.ts");
  const dup = await client.publish({
    batch: batchToMessage({ events: [modEvent("HEARTBEAT", 1)] }),
  });
  assert.equal(dup.accepted, 0n);
  assert.equal(dup.duplicates, 1n);
  assert.equal((await bus.events()).length, 1);
});

Deno.test("EventBus Subscribe filters by wildcard patterns and follows live events", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  const live = collect(client, { topics: ["game.*.changed", "system.>"] }, 6);
  await new Promise((r) => setTimeout(r, 300)); // the subscription starts at latest
  await publish(client, [
    modEvent("MONEY_CHANGED", 1),
    modEvent("HAND_PLAYED", 2), // game.hand.played: no match
    modEvent("HEARTBEAT", 3),
    modEvent("SCORE_CHANGED", 4),
    modEvent("ROUND_COMPLETE", 5), // game.round.complete: no match
    modEvent("ERROR", 6),
  ]);
  await publish(client, [modEvent("PHASE_CHANGED", 7), modEvent("CONNECTION_TEST", 8)]);
  const got = await live;
  assert.deepEqual(got.map((d) => d.topic), [
    "game.money.changed",
    "system.heartbeat",
    "game.score.changed",
    "system.error",
    "game.phase.changed",
    "system.connection.test",
  ]);
  const offsets = got.map((d) => Number(d.offset));
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
});

Deno.test("EventBus consumer group resumes after its committed offset across a bus restart", async () => {
  let bus = await startBus();
  try {
    let client = connectClient(bus);
    await publish(client, Array.from({ length: 100 }, (_, i) => modEvent("MONEY_CHANGED", i)));
    const firstRun = await collect(client, { start: EARLIEST, group: "learner" }, 40);
    await client.commitOffset({ group: "learner", offset: firstRun[39].offset });
    const offsets = await client.getOffsets({});
    assert.equal(offsets.head, 100n);
    assert.deepEqual(offsets.groups.map((g) => [g.group, g.committed, g.lag]), [[
      "learner",
      39n,
      60n,
    ]]);

    bus = await bus.restart("SIGKILL");
    client = connectClient(bus);
    const resumed = await collect(client, { start: EARLIEST, group: "learner" }, 60);
    assert.equal(Number(resumed[0].offset), 40);
    assert.equal(Number(resumed[59].offset), 99);
    const metrics = await bus.get("/metrics");
    assert.match(metrics.text, /jimbot_consumer_group_lag\{group="learner"\} 60/);
  } finally {
    await bus[Symbol.asyncDispose]();
  }
});

Deno.test("EventBus Subscribe replays a range from an offset and from a timestamp", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  await publish(client, Array.from({ length: 50 }, (_, i) => modEvent("MONEY_CHANGED", i)));
  await new Promise((r) => setTimeout(r, 50));
  const cut = Date.now();
  await new Promise((r) => setTimeout(r, 50));
  await publish(client, Array.from({ length: 50 }, (_, i) => modEvent("HEARTBEAT", i)));

  const range = await collect(client, { start: fromOffset(10), endOffset: 20n, json: true }, 10);
  assert.deepEqual(range.map((d) => Number(d.offset)), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(range[0].body.case, "json");
  assert.equal(JSON.parse(range[0].body.value as string).offset, 10);

  // An ended range closes the stream by itself.
  const stream = client.subscribe({ start: fromOffset(95), endOffset: 100n });
  const tail: number[] = [];
  for await (const res of stream) tail.push(...res.events.map((d) => Number(d.offset)));
  assert.deepEqual(tail, [95, 96, 97, 98, 99]);

  const since = await collect(client, { start: fromTime(cut) }, 50);
  assert.equal(Number(since[0].offset), 50);
  assert.equal(since[0].topic, "system.heartbeat");

  const topics = await client.listTopics({});
  assert.deepEqual(topics.topics.map((t) => [t.name, t.events]), [
    ["game.money.changed", 50n],
    ["system.heartbeat", 50n],
  ]);
});

Deno.test("EventBus Subscribe at recorded pace spaces events as they were received", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  await publish(client, [modEvent("HEARTBEAT", 1)]);
  await new Promise((r) => setTimeout(r, 400));
  await publish(client, [modEvent("HEARTBEAT", 2)]);
  const started = performance.now();
  await collect(client, { start: EARLIEST, replaySpeed: 1 }, 2);
  const paced = performance.now() - started;
  assert.ok(paced >= 350, `recorded pace took ${paced} ms`);
  const fast = performance.now();
  await collect(client, { start: EARLIEST, replaySpeed: 4 }, 2);
  const quicker = performance.now() - fast;
  assert.ok(quicker < 300 && quicker >= 80, `4x took ${quicker} ms`);
});
