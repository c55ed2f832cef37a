// SqliteEventLog against a real SQLite file in a temp dir: what the conformance suite does not
// cover (group commit, rounds in flight, retention, saturation).
import assert from "node:assert/strict";
import { BusError } from "../../src/errors.ts";
import {
  type AppendResult,
  SqliteEventLog,
  type SqliteEventLogOptions,
  type StoredEvent,
} from "../../src/log/mod.ts";
import { event, logOptions } from "./_storage_cases.ts";

async function openLog(path: string, opts: Partial<SqliteEventLogOptions> = {}) {
  const log = await SqliteEventLog.open(path, { ...logOptions(), ...opts });
  return { log, [Symbol.asyncDispose]: () => log.close() };
}

/** A log file path in a temp dir that is removed on disposal. */
async function tempFile(): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-sqlite-log-" });
  return {
    path: `${dir}/log.sqlite`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function readAll(log: SqliteEventLog): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of log.read(0, { limit: 1e9 })) out.push(e);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("SqliteEventLog concurrent appends share transactions (group commit)", async () => {
  let commits = 0;
  await using file = await tempFile();
  await using s = await openLog(file.path, { observer: { committed: () => commits++ } });
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

Deno.test("SqliteEventLog re-sends racing across rounds in flight are still stored once", async () => {
  await using file = await tempFile();
  const path = file.path;
  {
    let commits = 0;
    await using s = await openLog(path, { observer: { committed: () => commits++ } });
    // Each wave appends 25 new ids and re-sends the previous wave's 25, microtasks apart, so a
    // wave is planned while the previous one's transaction is still in the writer.
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
    for (const [id, list] of appends) {
      const [first, ...again] = (await Promise.all(list)).map((r) => r.outcomes[0]);
      assert.equal(first.duplicate, false, id);
      for (const o of again) assert.deepEqual(o, { offset: first.offset, duplicate: true }, id);
    }
    assert.equal(appends.size, 1000);
    assert.ok(commits >= 2, `only ${commits} commits: the test needs rounds in flight together`);
  }
  await using s = await openLog(path);
  const all = await readAll(s.log);
  assert.deepEqual(all.map((e) => e.offset), [...Array(1000).keys()]);
  assert.equal(new Set(all.map((e) => JSON.parse(e.json).event_id)).size, 1000);
});

Deno.test("SqliteEventLog retention by count deletes old events in the background, kept after reopen", async () => {
  await using file = await tempFile();
  const path = file.path;
  const opts = { retention: { ...logOptions().retention, maxEvents: 100 }, sweepIntervalMs: 30 };
  {
    await using s = await openLog(path, opts);
    for (let i = 0; i < 50; i++) {
      await s.log.append({
        events: Array.from({ length: 10 }, (_, j) => event(`r${i}-${j}`)),
        deadLetters: [],
      });
    }
    for (let i = 0; i < 100 && s.log.bounds().first < 400; i++) await sleep(20);
    const { first, head } = s.log.bounds();
    assert.equal(head, 500);
    assert.equal(first, 400);
    const left = await readAll(s.log);
    assert.equal(left[0].offset, 400);
    assert.equal(left.length, 100);
  }
  await using s = await openLog(path, { sweepIntervalMs: 60_000 });
  assert.deepEqual(s.log.bounds(), { first: 400, head: 500 });
});

Deno.test("SqliteEventLog retention by age, and an expired dedupe window stores a re-sent id again", async () => {
  await using file = await tempFile();
  await using s = await openLog(file.path, {
    retention: { ...logOptions().retention, maxAgeMs: 150, dedupeWindowMs: 150 },
    sweepIntervalMs: 40,
  });
  await s.log.append({
    events: [event("old")],
    deadLetters: [{ reason: "x", raw: "y", route: "/t" }],
  });
  await sleep(600);
  const r = await s.log.append({ events: [event("old")], deadLetters: [] });
  assert.deepEqual(r.outcomes, [{ offset: 1, duplicate: false }]);
  for (let i = 0; i < 100 && s.log.bounds().first < 1; i++) await sleep(20);
  assert.deepEqual((await readAll(s.log)).map((e) => e.offset), [1]);
  const letters = [];
  for await (const l of s.log.readDeadLetters(0, 10)) letters.push(l);
  assert.deepEqual(letters, []);
});

Deno.test("SqliteEventLog refuses appends when the commit pipeline is saturated", async () => {
  await using file = await tempFile();
  await using s = await openLog(file.path, { maxPendingEvents: 100 });
  const first = s.log.append({
    events: Array.from({ length: 100 }, () => event(null)),
    deadLetters: [],
  });
  const refused = s.log.append({ events: [event(null)], deadLetters: [] });
  await assert.rejects(refused, (err) => err instanceof BusError && err.kind === "over_limit");
  await first;
  await s.log.append({ events: [event(null)], deadLetters: [] });
});

Deno.test("SqliteEventLog reads across the boundary between disk and the newest events kept in memory", async () => {
  await using file = await tempFile();
  const payload = "x".repeat(8_000); // 1,200 of these pass the in-memory budget
  const topics = ["game.a", "game.b", "system.c"];
  const events = Array.from(
    { length: 1_200 },
    (_, i) => event(`big${i}`, { topic: topics[i % 3], payload: { payload, i } }),
  );
  {
    await using s = await openLog(file.path);
    for (let i = 0; i < events.length; i += 100) {
      await s.log.append({ events: events.slice(i, i + 100), deadLetters: [] });
    }
    const live = await readAll(s.log);
    assert.deepEqual(live.map((e) => e.offset), [...Array(1_200).keys()]);
    assert.deepEqual(live.map((e) => JSON.parse(e.json).payload.i), [...Array(1_200).keys()]);
    const some = [];
    for await (const e of s.log.read(7, { limit: 300, topics: (t) => t === "game.b" })) {
      some.push(e.offset);
    }
    assert.deepEqual(some, Array.from({ length: 300 }, (_, k) => 7 + 3 * k));
  }
  await using s = await openLog(file.path); // all from disk now
  const reopened = await readAll(s.log);
  assert.deepEqual(reopened.map((e) => JSON.parse(e.json).payload.i), [...Array(1_200).keys()]);
});
