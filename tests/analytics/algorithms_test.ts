import assert from "node:assert/strict";
import { AnalyticsStore } from "../../src/analytics/store.ts";
import { synergyMatrix } from "../../src/analytics/synergy.ts";
import { playPatterns, prefixSpan } from "../../src/analytics/patterns.ts";
import { generateGames, LOSS_PATTERN, WIN_PATTERN } from "./_game_generator.ts";
import { toEnvelopes } from "./_envelopes.ts";

function projected(games: number): AnalyticsStore {
  const envs = toEnvelopes(generateGames(games, 3).events);
  const store = AnalyticsStore.open(":memory:");
  store.apply(envs, envs.length);
  return store;
}

Deno.test("synergyMatrix: ×mult with +mult is positive, two +mult jokers about zero", () => {
  const store = projected(12);
  const matrix = synergyMatrix(store.db, { hands: 100 });
  const cell = (a: string, b: string) => matrix.find((p) => p.a === a && p.b === b)!;
  const strong = cell("Cavendish", "Joker");
  assert.ok(strong.engine_uplift > 0.1, `uplift ${strong.engine_uplift}`);
  assert.equal(strong.win_rate_with_pair, 1);
  assert.ok(strong.win_rate_lift! > 0);
  const flat = cell("Greedy Joker", "Lusty Joker");
  assert.ok(Math.abs(flat.engine_uplift) < 1e-3, `uplift ${flat.engine_uplift}`);
  assert.equal(flat.win_rate_with_pair, 0);
  assert.equal(matrix[0].a + matrix[0].b, "CavendishJoker");
  store.close();
});

Deno.test("playPatterns finds the sequences planted in generated games", () => {
  const store = projected(15);
  const patterns = playPatterns(store.db, { minSupport: 0.02, minLength: 3 });
  const find = (p: string[]) => patterns.find((x) => x.pattern.join() === p.join());
  const win = find(WIN_PATTERN);
  assert.ok(win, JSON.stringify(patterns.slice(0, 5)));
  assert.equal(win.win_rate, 1);
  const loss = find(LOSS_PATTERN);
  assert.ok(loss);
  assert.equal(loss.win_rate, 0);
  assert.equal(loss.support, 10); // one lost round in each of the 10 lost games
  store.close();
});

Deno.test("prefixSpan counts a pattern once per sequence", () => {
  const found = prefixSpan([
    { items: ["a", "b", "a", "b"], won: 1 },
    { items: ["b", "a"], won: 0 },
    { items: ["c"], won: null },
  ], { minSupport: 0.5 });
  const get = (p: string) => found.find((x) => x.pattern.join("") === p);
  assert.equal(get("a")!.support, 2);
  assert.equal(get("ab"), undefined); // in one sequence of three: below the 50 % support
  assert.equal(get("ba")!.support, 2);
  assert.equal(get("ba")!.win_rate, 0.5);
  assert.equal(get("c"), undefined);
});

Deno.test("prefixSpan is bounded in work, not only in parameters", () => {
  // 81 rounds of 40 plays each: with max_length 10 the patterns number in the billions.
  const items = Array.from({ length: 40 }, (_, i) => `play:${i % 12}`);
  const sequences = Array.from({ length: 81 }, () => ({ items, won: 1 }));
  const started = performance.now();
  assert.throws(
    () => prefixSpan(sequences, { minSupport: 0.01, maxLength: 10 }),
    /pattern mining stopped after/,
  );
  assert.ok(performance.now() - started < 30_000);
});
