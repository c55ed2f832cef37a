// SqliteEventLog against a real SQLite file in a temp dir: what the conformance suite does not
// cover (group commit, rounds in flight, retention, saturation).
import assert from "node:assert/strict";
import { BusError } from "../../src/errors.ts";
import { SqliteEventLog, type SqliteEventLogOptions, type StoredEvent } from "../../src/log/mod.ts";
import { event, logOptions } from "./_storage_cases.ts";
import { groupCommitCases } from "./_group_commit_cases.ts";

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

groupCommitCases("SqliteEventLog", {
  place: tempFile,
  open: (path, observer) => openLog(path, { observer }),
  minRacingCommits: 2,
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
