import assert from "node:assert/strict";
import {
  bestPlayWithSteps,
  budgetedBlindOdds,
  ODDS_CHUNK_SAMPLES,
  runJob,
} from "../../src/advisor/engine_jobs.ts";
import { bestPlay, blindOdds, type GameState, readGameState } from "../../src/balatro/mod.ts";

const PAYLOAD = JSON.parse(
  Deno.readTextFileSync(
    new URL("../testdata/balatromcp/game_state_initial.json", import.meta.url),
  ),
).events[0].payload;
const STATE: GameState = readGameState(PAYLOAD);
// A harder blind (the fixture's 1,200 is won in every sample), so the estimate is not trivial.
const HARD: GameState = {
  ...STATE,
  context: { ...STATE.context, blind: { ...STATE.context.blind, chips: 9000 } },
};

/** A clock that advances `stepMs` at every reading. */
function ticking(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

Deno.test("budgetedBlindOdds() equals blindOdds() within one chunk", () => {
  const want = blindOdds(HARD, { samples: ODDS_CHUNK_SAMPLES, seed: 9 });
  const got = budgetedBlindOdds(HARD, { samples: ODDS_CHUNK_SAMPLES, seed: 9, budgetMs: 1e9 });
  assert.equal(got.probability, want.probability);
  assert.equal(got.low, want.low);
  assert.equal(got.high, want.high);
  assert.equal(got.samples, ODDS_CHUNK_SAMPLES);
  assert.equal(got.budgetReached, false);
});

Deno.test("budgetedBlindOdds() gives the same estimate for the same seed and samples", () => {
  const a = budgetedBlindOdds(HARD, { samples: 120, seed: "s", budgetMs: 1e9 });
  const b = budgetedBlindOdds(HARD, { samples: 120, seed: "s", budgetMs: 1e9 });
  assert.equal(a.samples, 120);
  assert.equal(a.wins, b.wins);
  assert.ok(a.probability >= 0 && a.probability <= 1);
  assert.ok(a.low <= a.probability && a.probability <= a.high);
});

Deno.test("budgetedBlindOdds() stops after the chunk that passes the budget", () => {
  const got = budgetedBlindOdds(HARD, { samples: 1000, seed: 1, budgetMs: 10 }, ticking(6));
  // readings: start 6, check before chunk 1 at 12 (6 ms used) → runs, before chunk 2 at 18 → stop
  assert.equal(got.samples, 2 * ODDS_CHUNK_SAMPLES);
  assert.equal(got.budgetReached, true);
});

Deno.test("budgetedBlindOdds() is certain without sampling for a won or hopeless blind", () => {
  const won = budgetedBlindOdds({ ...STATE, roundScore: 5000 }, {
    samples: 100,
    seed: 1,
    budgetMs: 10,
  });
  assert.equal(won.probability, 1);
  assert.equal(won.samples, 0);
  const hopeless = budgetedBlindOdds(
    { ...HARD, context: { ...HARD.context, handsRemaining: 0 } },
    { samples: 100, seed: 1, budgetMs: 10 },
  );
  assert.equal(hopeless.probability, 0);
  assert.equal(hopeless.samples, 0);
});

Deno.test("bestPlayWithSteps() returns the engine's best play and its breakdown", () => {
  const got = bestPlayWithSteps(STATE, { top: 2 });
  const want = bestPlay(STATE, { top: 2 });
  assert.deepEqual(got.result.best.cards, want.best.cards);
  assert.equal(got.result.alternatives.length, 2);
  const last = got.steps[got.steps.length - 1];
  assert.equal(last.phase, "final");
  assert.equal(Math.floor(last.chips * last.mult), got.result.best.minScore);
});

Deno.test("runJob() answers an advise job with both parts", () => {
  const out = runJob({
    kind: "advise",
    state: STATE,
    play: { top: 1 },
    odds: { samples: 20, seed: 3, budgetMs: 1e9 },
  }) as { bestPlay: { result: { best: { handType: string } } }; odds: { probability: number } };
  assert.equal(out.bestPlay.result.best.handType, "Flush");
  assert.equal(out.odds.probability, 1);
});
