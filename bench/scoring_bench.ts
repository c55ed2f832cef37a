// Scoring engine benchmarks (docs/design.md#targets): hand scores per second with five jokers
// (target ≥ 200,000/s), best play for an 8-card hand with five jokers (target ≤ 5 ms), blind-odds
// samples per second. Run: deno bench -A bench/scoring_bench.ts

import {
  bestPlay,
  blindOdds,
  defaultContext,
  FixedLuck,
  type GameState,
  type Joker,
  parseCards,
  type Play,
  prepareHand,
  runHand,
} from "../src/balatro/mod.ts";

const JOKERS: Joker[] = [
  { name: "Sly Joker", edition: "none", state: {} },
  { name: "Even Steven", edition: "foil", state: {} },
  { name: "Blueprint", edition: "none", state: {} },
  { name: "Photograph", edition: "none", state: {} },
  { name: "Baron", edition: "polychrome", state: {} },
];

const PLAY: Play = {
  played: parseCards("KH KS 8D 8C 4H+glass"),
  held: parseCards("KD QS 2C"),
  jokers: JOKERS,
  handLevels: { "Two Pair": 3 },
  handStats: {},
  context: defaultContext(),
};

const STATE: GameState = {
  hand: parseCards("KH KS 8D 8C 4H+glass QS 2C 9D"),
  jokers: JOKERS,
  handLevels: {},
  handStats: {},
  context: defaultContext(),
  roundScore: 0,
};

const prepared = prepareHand(PLAY);

Deno.bench({
  group: "score hand",
  name: "5 jokers, 5 played + 3 held (prepared once)",
  baseline: true,
  fn() {
    runHand(prepared, new FixedLuck(false));
  },
});

Deno.bench({
  group: "score hand",
  name: "5 jokers, including preparation",
  fn() {
    runHand(prepareHand(PLAY), new FixedLuck(false));
  },
});

Deno.bench({
  group: "best play",
  name: "8-card hand, 5 jokers (subsets, card and joker order)",
  fn() {
    bestPlay(STATE);
  },
});

const ODDS_STATE: GameState = {
  ...STATE,
  context: defaultContext({
    blind: { name: "Big Blind", chips: 4500, mult: 1.5, boss: false, disabled: false },
    deckRemainingCount: 44,
  }),
  drawPile: parseCards(
    "2S 3S 4S 5S 6S 7S 8S 9S 10S JS QS AS 2H 3H 5H 6H 7H 9H 10H JH QH AH " +
      "3D 4D 5D 6D 7D 10D JD QD KD AD 2D 3C 4C 5C 6C 7C 9C 10C JC QC KC AC",
  ),
};

Deno.bench({
  group: "blind odds",
  name: "10 simulated rounds (4 hands, 4 discards, 5 jokers)",
  n: 20,
  fn() {
    blindOdds(ODDS_STATE, { samples: 10, seed: 3 });
  },
});
