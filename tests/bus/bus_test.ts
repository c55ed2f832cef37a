// The bus over the memory storage, in process: cursor order across the log/tail boundary, a
// tail smaller than the backlog, onHead handing events over, groups, topics. (The storage itself
// is covered for every backend by tests/log/_storage_cases.ts.)
import assert from "node:assert/strict";
import { Bus } from "../../src/bus/mod.ts";
import { type NewEvent, openMemoryStorage } from "../../src/log/mod.ts";

async function openBus(opts: { tailEvents?: number } = {}) {
  const storage = openMemoryStorage({
    retention: { maxAgeMs: 0, maxEvents: 0, dedupeWindowMs: 86_400_000, dedupeMaxIds: 1_000_000 },
    maxPendingEvents: 1_000_000,
  });
  const log = storage.log;
  const bus = await Bus.open(log, storage.groups, {
    tailEvents: opts.tailEvents ?? 1_000,
    tailBytes: 1 << 24,
  });
  return {
    storage,
    log,
    bus,
    async [Symbol.asyncDispose]() {
      await bus.close();
      await storage.close();
    },
  };
}

const topics = ["game.money.changed", "system.heartbeat", "game.hand.played"];
function events(n: number, from = 0): NewEvent[] {
  return Array.from({ length: n }, (_, k) => ({
    event_id: `e${from + k}`,
    clientEventId: true,
    type: "T",
    topic: topics[(from + k) % 3],
    source: "test",
    version: 1,
    client_timestamp: from + k,
    payload: { i: from + k },
  }));
}

Deno.test("Bus.subscribe delivers a backlog larger than the tail, then live events, in order", async () => {
  await using b = await openBus({ tailEvents: 100 });
  await b.log.append({ events: events(1_000), deadLetters: [] });
  using sub = await b.bus.subscribe({
    topics: ["game.>"],
    start: { kind: "earliest" },
    protocol: "test",
  });
  const got: number[] = [];
  while (got.length < 666) got.push(...(await sub.next(50)).map((e) => e.offset));
  const live = b.log.append({ events: events(30, 1_000), deadLetters: [] });
  while (got.length < 686) got.push(...(await sub.next(50)).map((e) => e.offset));
  await live;
  const want = Array.from({ length: 1_030 }, (_, i) => i).filter((i) => i % 3 !== 1);
  assert.deepEqual(got, want);
});

Deno.test("Bus.subscribe at latest waits for the next commit; aborting the wait rejects", async () => {
  await using b = await openBus();
  await b.log.append({ events: events(5), deadLetters: [] });
  using sub = await b.bus.subscribe({ topics: [], protocol: "test" });
  const next = sub.next(10);
  await b.log.append({ events: events(2, 5), deadLetters: [] });
  assert.deepEqual((await next).map((e) => e.offset), [5, 6]);
  const ac = new AbortController();
  const waiting = sub.next(10, ac.signal);
  ac.abort(new Error("gone"));
  await assert.rejects(waiting, /gone/);
});

Deno.test("Bus groups: resume after the committed offset; acks only move forwards", async () => {
  await using b = await openBus();
  await b.log.append({ events: events(20), deadLetters: [] });
  await b.bus.groups.commit("g", 9);
  b.bus.groups.ack("g", 4); // behind the commit: ignored
  using sub = await b.bus.subscribe({ topics: [], group: "g", protocol: "test" });
  assert.equal((await sub.next(1))[0].offset, 10);
  assert.equal(b.bus.groups.committed("g"), 9);
  b.bus.groups.ack("g", 15);
  await b.bus.groups.close();
  assert.equal(await b.storage.groups.get("g"), 15);
});

Deno.test("Bus.topics counts each topic with its last offset, filtered by pattern", async () => {
  await using b = await openBus();
  await b.log.append({ events: events(9), deadLetters: [] });
  assert.deepEqual((await b.bus.topics([])).map((t) => [t.name, t.events, t.lastOffset]), [
    ["game.hand.played", 3, 8],
    ["game.money.changed", 3, 6],
    ["system.heartbeat", 3, 7],
  ]);
  assert.deepEqual((await b.bus.topics(["system.*"])).map((t) => t.name), ["system.heartbeat"]);
});
