// Property: the projection depends only on the log. Three game instances (sessions) post their
// runs interleaved in many random ways; each log is projected live in random batch sizes and
// compared, table by table, with a rebuild in one batch, and every interleaving gives the same
// games, rounds, hands and jokers (by seed) as the sessions posted one after another.
import assert from "node:assert/strict";
import { AnalyticsStore } from "../../src/analytics/store.ts";
import type { Envelope } from "../../src/analytics/projector.ts";
import { routeTopic } from "../../src/ingest/mod.ts";
import { generateGames, type ModEvent, mulberry32 } from "./_game_generator.ts";
import { COMPARABLE } from "./_compare.ts";

const START_MS = Date.UTC(2026, 0, 1);
const SESSIONS = [1, 2, 3].map((seed) => ({
  id: `instance-${seed}`,
  events: generateGames(2, seed).events,
}));

/** One log: the sessions' events merged in a random order that keeps each session's order. */
function interleave(rng: () => number): Envelope[] {
  const cursors = SESSIONS.map(() => 0);
  const log: Envelope[] = [];
  while (log.length < SESSIONS.reduce((n, s) => n + s.events.length, 0)) {
    const open = SESSIONS.flatMap((s, i) => cursors[i] < s.events.length ? [i] : []);
    const i = open[Math.floor(rng() * open.length)];
    // Instances post batches: take a run of 1–20 events from the chosen session.
    const run = 1 + Math.floor(rng() * 20);
    for (let k = 0; k < run && cursors[i] < SESSIONS[i].events.length; k++) {
      log.push(envelope(SESSIONS[i].events[cursors[i]++], SESSIONS[i].id, log.length));
    }
  }
  return log;
}

function sequential(): Envelope[] {
  const log: Envelope[] = [];
  for (const s of SESSIONS) for (const e of s.events) log.push(envelope(e, s.id, log.length));
  return log;
}

function envelope(e: ModEvent, session: string, offset: number): Envelope {
  return {
    offset,
    type: e.type,
    topic: routeTopic(e.type, undefined),
    source: e.source,
    extras: { session_id: session },
    client_timestamp: e.timestamp,
    received_at: START_MS + offset * 1000,
    payload: e.payload,
  };
}

/** Projects `log` in batches of random size (1 to `maxBatch`). */
function project(log: readonly Envelope[], rng: () => number, maxBatch: number): AnalyticsStore {
  const store = AnalyticsStore.open(":memory:");
  for (let i = 0; i < log.length;) {
    const part = log.slice(i, i + 1 + Math.floor(rng() * maxBatch));
    store.apply(part, part[part.length - 1].offset + 1);
    i += part.length;
  }
  return store;
}

function dump(store: AnalyticsStore, sql: string): unknown[] {
  return store.db.prepare(sql).all();
}

const TABLES = [
  "games",
  "rounds",
  "hands",
  "jokers",
  "actions",
  "money_changes",
  "events_per_minute",
  "hand_scores_per_minute",
  "money_per_minute",
];

Deno.test("any batching and any interleaving of sessions gives the tables of a rebuild", () => {
  const alone = project(sequential(), () => 0, 1e9);
  const expected = Object.fromEntries(
    Object.entries(COMPARABLE).map(([name, sql]) => [name, dump(alone, sql)]),
  );
  assert.equal((expected.games as unknown[]).length, 6, "two games per session");
  for (let trial = 0; trial < 8; trial++) {
    const rng = mulberry32(1_000 + trial);
    const log = interleave(rng);
    const rebuilt = project(log, rng, 1e9);
    const live = project(log, rng, trial % 2 === 0 ? 7 : 300);
    for (const table of TABLES) {
      const sql = `SELECT * FROM ${table} ORDER BY 1, 2, 3`;
      assert.deepEqual(dump(live, sql), dump(rebuilt, sql), `${table}, trial ${trial}`);
    }
    for (const [name, sql] of Object.entries(COMPARABLE)) {
      assert.deepEqual(dump(rebuilt, sql), expected[name], `${name}, trial ${trial}`);
    }
    live.close();
    rebuilt.close();
  }
  alone.close();
});
