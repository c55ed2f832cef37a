import assert from "node:assert/strict";
import {
  blindOdds,
  defaultContext,
  type GameState,
  GREEDY_POLICY,
  parseCards,
  wilson,
} from "../../src/balatro/mod.ts";

const PILE = parseCards(
  "2S 3S 4S 5S 6S 7S 8S 9S 10S JS QS KS AS 2H 3H 4H 5H 6H 7H 8H 9H 10H JH QH KH AH " +
    "2D 3D 4D 5D 6D 7D 8D 9D",
);

function state(chips: number, extra: Partial<GameState> = {}): GameState {
  return {
    hand: parseCards("AC KC QC 9D 7H 5S 3C 2D"),
    jokers: [{ name: "Joker", edition: "none", state: {} }],
    handLevels: {},
    handStats: {},
    context: defaultContext({
      blind: { name: "Big Blind", chips, mult: 1.5, boss: false, disabled: false },
      handsRemaining: 2,
      discardsRemaining: 1,
    }),
    roundScore: 0,
    drawPile: PILE,
    ...extra,
  };
}

Deno.test("blindOdds() of an already-won blind is 1", () => {
  const odds = blindOdds(state(450, { roundScore: 500 }));
  assert.equal(odds.probability, 1);
  assert.equal(odds.needed, 0);
});

Deno.test("blindOdds() with no hands left is 0", () => {
  const s = state(450);
  const odds = blindOdds({ ...s, context: { ...s.context, handsRemaining: 0 } });
  assert.equal(odds.probability, 0);
});

Deno.test("blindOdds() of a guaranteed win is 1 and of an impossible blind is 0", () => {
  const easy = blindOdds(state(40), { samples: 50, seed: 3 });
  assert.equal(easy.probability, 1);
  assert.equal(easy.samples, 50);
  assert.ok(easy.low > 0.9);
  const hopeless = blindOdds(state(1e12), { samples: 50, seed: 3 });
  assert.equal(hopeless.probability, 0);
  assert.equal(hopeless.low, 0);
  assert.ok(hopeless.high < 0.1);
});

Deno.test("blindOdds() is deterministic for a seed and states its policy", () => {
  const a = blindOdds(state(600), { samples: 60, seed: "run-7" });
  const b = blindOdds(state(600), { samples: 60, seed: "run-7" });
  assert.deepEqual(a, b);
  assert.ok(a.probability > 0 && a.probability < 1, `got ${a.probability}`);
  assert.ok(a.low <= a.probability && a.probability <= a.high);
  assert.equal(a.policy, GREEDY_POLICY);
});

Deno.test("wilson() interval brackets the estimate", () => {
  const [low, high] = wilson(30, 100);
  assert.ok(low < 0.3 && high > 0.3);
  assert.deepEqual(wilson(0, 0), [0, 1]);
});
