import assert from "node:assert/strict";
import { AnalyticsStore } from "../../src/analytics/store.ts";
import { generateGames } from "./_game_generator.ts";
import { toEnvelopes } from "./_envelopes.ts";

function project(games: number, batch = 500) {
  const gen = generateGames(games, 7);
  const store = AnalyticsStore.open(":memory:");
  const envs = toEnvelopes(gen.events);
  for (let i = 0; i < envs.length; i += batch) {
    const part = envs.slice(i, i + batch);
    store.apply(part, part[part.length - 1].offset + 1);
  }
  return { gen, store, envs };
}

function rows(store: AnalyticsStore, sql: string): Record<string, unknown>[] {
  return store.db.prepare(sql).all() as Record<string, unknown>[];
}

Deno.test("projection of generated games gives the expected games, rounds and hands", () => {
  const { gen, store } = project(30);
  const games = rows(store, "SELECT * FROM games ORDER BY game_key");
  assert.equal(games.length, gen.games.length);
  for (const [i, g] of gen.games.entries()) {
    const row = games[i];
    assert.equal(row.seed, g.seed);
    assert.equal(row.won, g.won, `won of ${g.seed}`);
    assert.equal(row.final_ante, g.finalAnte, `final ante of ${g.seed}`);
    assert.equal(row.hands_played, g.hands);
    const r = rows(
      store,
      `SELECT COUNT(*) AS n, SUM(won) AS w, SUM(hands_used) AS h, SUM(discards_used) AS d
       FROM rounds WHERE game_key = ${row.game_key}`,
    )[0];
    assert.deepEqual([r.n, r.w, r.h, r.d], [g.rounds, g.roundsWon, g.hands, g.discards], g.seed);
    const jokers = rows(store, `SELECT name FROM jokers WHERE game_key = ${row.game_key}`)
      .map((j) => j.name);
    assert.deepEqual(jokers.sort(), [...g.jokers].sort());
  }
  const types = rows(store, "SELECT * FROM hand_type_scores");
  for (const t of types) {
    const want = gen.handTypes[t.hand_type as string];
    assert.ok(want, `unexpected hand type ${t.hand_type}`);
    assert.equal(t.hands, want.hands);
    assert.equal(Math.round(Number(t.avg_score) * t.hands as number), want.scoreSum);
  }
  assert.equal(types.length, Object.keys(gen.handTypes).length);
  const egg = rows(store, "SELECT sold, held_at_end FROM jokers WHERE name = 'Egg'");
  assert.ok(egg.length > 0 && egg.every((e) => e.sold === 1 && e.held_at_end === 0));
  const held = rows(
    store,
    "SELECT COUNT(*) AS n FROM jokers WHERE name != 'Egg' AND held_at_end = 1",
  );
  assert.equal(held[0].n, rows(store, "SELECT COUNT(*) AS n FROM jokers WHERE name != 'Egg'")[0].n);
  store.close();
});

Deno.test("projection rollups agree with the raw rows and survive pruning", () => {
  const { store, envs } = project(12);
  const perTopic = rows(store, "SELECT SUM(events) AS n FROM events_per_minute")[0].n;
  assert.equal(perTopic, envs.length);
  assert.equal(rows(store, "SELECT SUM(events) AS n FROM events_per_hour")[0].n, envs.length);
  const hands = rows(store, "SELECT COUNT(*) AS n, SUM(score) AS s FROM hands")[0];
  const rolled =
    rows(store, "SELECT SUM(hands) AS n, SUM(score_sum) AS s FROM hand_scores_per_hour")[0];
  assert.deepEqual([rolled.n, rolled.s], [hands.n, hands.s]);
  const money = rows(store, "SELECT COUNT(*) AS n FROM money_changes")[0].n;
  assert.equal(rows(store, "SELECT SUM(changes) AS n FROM money_per_minute")[0].n, money);
  const deleted = store.pruneRaw(envs[Math.floor(envs.length / 2)].received_at);
  assert.ok(deleted > 0);
  assert.equal(rows(store, "SELECT SUM(hands) AS n FROM hand_scores_per_hour")[0].n, hands.n);
  assert.ok((rows(store, "SELECT COUNT(*) AS n FROM hands")[0].n as number) < (hands.n as number));
  store.close();
});

Deno.test("projection applies a re-read batch once (offset kept with the rows)", () => {
  const gen = generateGames(3, 2);
  const envs = toEnvelopes(gen.events);
  const store = AnalyticsStore.open(":memory:");
  store.apply(envs.slice(0, 100), 100);
  assert.equal(store.apply(envs.slice(50, 150), 150), 50);
  store.apply(envs.slice(150), envs.length);
  const once = AnalyticsStore.open(":memory:");
  once.apply(envs, envs.length);
  for (const table of ["games", "rounds", "hands", "jokers", "events_per_minute"]) {
    assert.deepEqual(rows(store, `SELECT * FROM ${table}`), rows(once, `SELECT * FROM ${table}`));
  }
  store.close();
  once.close();
});
