import assert from "node:assert/strict";
import {
  bestJokerOrder,
  bestPlay,
  defaultContext,
  type GameState,
  type Joker,
  parseCards,
  type Play,
  score,
  subsets,
} from "../../src/balatro/mod.ts";

function j(name: string, extra: Partial<Joker> = {}): Joker {
  return { name, edition: "none", state: {}, ...extra };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

function state(hand: string, jokers: Joker[]): GameState {
  return {
    hand: parseCards(hand),
    jokers,
    handLevels: {},
    handStats: {},
    context: defaultContext(),
    roundScore: 0,
  };
}

/** The best guaranteed score over every subset, card order and joker order. */
function bruteForce(s: GameState): number {
  let best = -1;
  const jokerOrders = permutations(s.jokers);
  for (const pick of subsets(s.hand.length)) {
    const held = s.hand.filter((_c, i) => !pick.includes(i));
    for (const order of permutations(pick)) {
      for (const jokers of jokerOrders) {
        const result = score({
          played: order.map((i) => s.hand[i]),
          held,
          jokers,
          handLevels: s.handLevels,
          handStats: s.handStats,
          context: s.context,
        }, { trace: false });
        best = Math.max(best, result.score);
      }
    }
  }
  return best;
}

const CASES: [string, string, Joker[]][] = [
  ["pairs and additive jokers", "KS KH 8D 8C 4H 2S", [j("Joker"), j("Sly Joker"), j("Mad Joker")]],
  [
    "glass and polychrome cards with ×mult jokers",
    "QS QH+glass 7D 7C+poly 3H 2S",
    [j("Photograph"), j("Smiley Face"), j("Joker", { edition: "polychrome" })],
  ],
  [
    "held Kings with Baron and a flush draw",
    "KS KH AH 9H 5H 3H",
    [j("Baron"), j("Droll Joker"), j("The Tribe")],
  ],
  [
    "Blueprint position",
    "10S 10H 10D 4C 4S 2H",
    [j("Blueprint"), j("Zany Joker"), j("Cavendish")],
  ],
  [
    "Hanging Chad first card",
    "AS KH+glass 6D 6C 3H",
    [j("Hanging Chad"), j("Scholar"), j("Joker")],
  ],
];

for (const [name, hand, jokers] of CASES) {
  Deno.test(`bestPlay() matches brute force: ${name}`, () => {
    const s = state(hand, jokers);
    const result = bestPlay(s, { objective: "min" });
    assert.equal(result.best.score, bruteForce(s));
    assert.equal(result.subsets, subsets(s.hand.length).length);
    // The reported play really scores that much.
    const check = score({
      played: result.best.cards.map((i) => s.hand[i]),
      held: s.hand.filter((_c, i) => !result.best.cards.includes(i)),
      jokers: result.best.jokerOrder.map((i) => s.jokers[i]),
      handLevels: {},
      handStats: {},
      context: s.context,
    });
    assert.equal(check.score, result.best.score);
    for (const alt of result.alternatives) assert.ok(alt.score <= result.best.score);
  });
}

Deno.test("bestPlay() lists distinct alternatives, best first", () => {
  const result = bestPlay(state("AS AH KD QC 9S 5H 4D 2C", [j("Joker")]), { top: 4 });
  assert.equal(result.alternatives.length, 4);
  const all = [result.best, ...result.alternatives];
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].score >= all[i].score);
  assert.equal(new Set(all.map((c) => [...c.cards].sort().join())).size, all.length);
  assert.equal(result.best.handType, "Pair");
});

Deno.test("bestJokerOrder() finds the brute-force optimum and reports the gain", () => {
  const play: Play = {
    played: parseCards("KS KH"),
    held: parseCards("KD"),
    jokers: [
      j("Baron"),
      j("Joker", { edition: "polychrome" }),
      j("Jolly Joker"),
      j("Cavendish"),
      j("Blueprint"),
    ],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  };
  let best = -1;
  for (const jokers of permutations(play.jokers)) {
    best = Math.max(best, score({ ...play, jokers }, { trace: false }).score);
  }
  const result = bestJokerOrder(play, { objective: "min" });
  assert.equal(result.score, best);
  assert.ok(result.exhaustive);
  assert.equal(result.baseline, score(play).score);
  assert.equal(result.gain, best - result.baseline);
  assert.equal(score({ ...play, jokers: result.jokers }).score, best);
});

Deno.test("bestJokerOrder() puts additive jokers before ×mult jokers", () => {
  const play: Play = {
    played: parseCards("AS"),
    held: [],
    jokers: [j("Cavendish"), j("Joker")],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  };
  const result = bestJokerOrder(play, { objective: "min" });
  assert.deepEqual(result.order, [1, 0]);
  assert.equal(result.score, 16 * 15);
  assert.equal(result.gain, 16 * 15 - 16 * 7);
});
