// KvEventLog against a real Deno KV file in a temp dir: what only the KV log has (group commit,
// rounds in flight, chunking, retention sweeps, saturation). What every backend must do is in
// the conformance suite (tests/log/_storage_cases.ts).
import assert from "node:assert/strict";
import { KvEventLog } from "../../src/log/mod.ts";
import type { KvEventLogOptions } from "../../src/log/kv_event_log.ts";
import type { AppendResult } from "../../src/log/mod.ts";
import { BusError } from "../../src/errors.ts";
import { event, logOptions } from "./_storage_cases.ts";

const RETENTION = logOptions().retention;

async function openLog(path: string, opts: Partial<KvEventLogOptions> = {}) {
  const kv = await Deno.openKv(path);
  const log = await KvEventLog.open(kv, { ...logOptions(), ...opts });
  return {
    kv,
    log,
    async [Symbol.asyncDispose]() {
      await log.close();
      kv.close();
    },
  };
}

async function tempKv(): Promise<string> {
  return `${await Deno.makeTempDir({ prefix: "jimbot-log-" })}/test.kv`;
}

async function readAll(log: KvEventLog) {
  const out = [];
  for await (const e of log.read(0, { limit: 1e9 })) out.push({ ...e, env: JSON.parse(e.json) });
  return out;
}

Deno.test("KvEventLog concurrent appends share commits (group commit)", async () => {
  let commits = 0;
  await using s = await openLog(await tempKv(), { observer: { committed: () => commits++ } });
  const results = await Promise.all(
    Array.from(
      { length: 300 },
      (_, i) => s.log.append({ events: [event(`id${i}`)], deadLetters: [] }),
    ),
  );
  const offsets = results.map((r) => r.outcomes[0].offset).sort((a, b) => a - b);
  assert.deepEqual(offsets, [...Array(300).keys()]);
  assert.ok(commits < 100, `300 concurrent appends took ${commits} commits`);
});

Deno.test("KvEventLog re-sends racing across rounds in flight are still stored once", async () => {
  const path = await tempKv();
  {
    let commits = 0;
    await using s = await openLog(path, { observer: { committed: () => commits++ } });
    // Each wave appends 25 new ids and re-sends the previous wave's 25. Waves are only
    // microtasks apart, so a wave is planned while the previous wave's commit is in flight.
    const appends = new Map<string, Promise<AppendResult>[]>();
    const send = (id: string) => {
      const list = appends.get(id) ?? [];
      list.push(s.log.append({ events: [event(id)], deadLetters: [] }));
      appends.set(id, list);
    };
    for (let wave = 0; wave < 40; wave++) {
      for (let j = 0; j < 25; j++) send(`race${wave * 25 + j}`);
      if (wave > 0) { for (let j = 0; j < 25; j++) send(`race${(wave - 1) * 25 + j}`); }
      for (let k = 0; k < 10; k++) await Promise.resolve();
    }
    let stored = 0;
    for (const [id, list] of appends) {
      const [first, ...again] = (await Promise.all(list)).map((r) => r.outcomes[0]);
      assert.equal(first.duplicate, false, id);
      stored++;
      for (const o of again) assert.deepEqual(o, { offset: first.offset, duplicate: true }, id);
    }
    assert.equal(stored, 1000);
    assert.ok(commits >= 4, `only ${commits} commits: the test needs rounds in flight together`);
  }
  await using s = await openLog(path);
  const all = await readAll(s.log);
  assert.deepEqual(all.map((e) => e.offset), [...Array(1000).keys()]);
  assert.equal(new Set(all.map((e) => e.env.event_id)).size, 1000);
});

Deno.test("KvEventLog packs long topics and mixed sizes without exceeding a KV value", async () => {
  await using s = await openLog(await tempKv());
  const events = Array.from({ length: 1500 }, (_, i) =>
    event(`long${i}`, {
      topic: "custom." + "é".repeat(120 + (i % 7)),
      payload: { pad: "x".repeat((i * 37) % 3000) },
    }));
  const r = await s.log.append({ events, deadLetters: [] });
  assert.equal(r.outcomes.at(-1)?.offset, 1499);
  const back = await readAll(s.log);
  assert.deepEqual(back.map((e) => e.env.event_id), events.map((e) => e.event_id));
  assert.deepEqual(back.map((e) => e.topic), events.map((e) => e.topic));
});

Deno.test("KvEventLog retention by count removes old blocks in the background", async () => {
  await using s = await openLog(await tempKv(), {
    retention: { ...RETENTION, maxEvents: 100 },
    sweepIntervalMs: 30,
  });
  for (let i = 0; i < 50; i++) {
    await s.log.append({
      events: Array.from({ length: 10 }, (_, j) => event(`r${i}-${j}`)),
      deadLetters: [],
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  const { first, head } = s.log.bounds();
  assert.equal(head, 500);
  assert.ok(first >= 400 && first <= 410, `first retained offset ${first}`);
  const left = await readAll(s.log);
  assert.equal(left[0].offset, first);
  assert.equal(left.length, head - first);
});

Deno.test("KvEventLog retention by age, and an expired dedupe window stores a re-sent id again", async () => {
  await using s = await openLog(await tempKv(), {
    retention: { ...RETENTION, maxAgeMs: 150, dedupeWindowMs: 150 },
    sweepIntervalMs: 40,
  });
  await s.log.append({
    events: [event("old")],
    deadLetters: [{ reason: "x", raw: "y", route: "/t" }],
  });
  await new Promise((r) => setTimeout(r, 1300));
  const r = await s.log.append({ events: [event("old")], deadLetters: [] });
  assert.equal(r.outcomes[0].duplicate, false);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual((await readAll(s.log)).map((e) => e.offset), [1]);
  const letters = [];
  for await (const l of s.log.readDeadLetters(0, 10)) letters.push(l);
  assert.deepEqual(letters, []);
});

Deno.test("KvEventLog refuses appends when the commit pipeline is saturated", async () => {
  await using s = await openLog(await tempKv(), { maxPendingEvents: 100 });
  const first = s.log.append({
    events: Array.from({ length: 100 }, () => event(null)),
    deadLetters: [],
  });
  const refused = s.log.append({ events: [event(null)], deadLetters: [] });
  await assert.rejects(refused, (err) => err instanceof BusError && err.kind === "over_limit");
  await first;
  await s.log.append({ events: [event(null)], deadLetters: [] });
});
