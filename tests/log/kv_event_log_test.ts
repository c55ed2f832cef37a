// KvEventLog against a real Deno KV file in a temp dir: what only the KV log has (group commit,
// rounds in flight, chunking, retention sweeps, saturation). What every backend must do is in
// the conformance suite (tests/log/_storage_cases.ts).
import assert from "node:assert/strict";
import { KvEventLog } from "../../src/log/mod.ts";
import type { KvEventLogOptions } from "../../src/log/kv_event_log.ts";
import { BusError } from "../../src/errors.ts";
import { event, logOptions } from "./_storage_cases.ts";
import { groupCommitCases } from "./_group_commit_cases.ts";

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

groupCommitCases("KvEventLog", {
  place: async () => {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-log-" });
    return {
      path: `${dir}/test.kv`,
      [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
    };
  },
  open: (path, observer) => openLog(path, { observer }),
  minRacingCommits: 4,
});

async function readAll(log: KvEventLog) {
  const out = [];
  for await (const e of log.read(0, { limit: 1e9 })) out.push({ ...e, env: JSON.parse(e.json) });
  return out;
}

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
