import assert from "node:assert/strict";
import {
  DEFAULT_RULES,
  defaultContext,
  detectHand,
  HAND_TYPES,
  type HandRules,
  type Joker,
  parseCards,
  prepareCards,
  preparePlay,
  score,
} from "../../src/balatro/mod.ts";

function detect(cards: string, rules: Partial<HandRules> = {}) {
  const play = preparePlay({
    jokers: [],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  });
  const prepared = prepareCards(parseCards(cards), play);
  const d = detectHand(prepared, { ...DEFAULT_RULES, ...rules });
  return {
    hand: HAND_TYPES[d.hand],
    scoring: d.scoring.map((c) => c.pos),
    contains: HAND_TYPES.filter((_h, i) => (d.contains & (1 << i)) !== 0),
  };
}

const TABLE: [string, string, number[]][] = [
  ["AH", "High Card", [0]],
  ["AH KD JC", "High Card", [0]],
  ["2S 9D 4C", "High Card", [1]],
  ["KD KD AH", "Pair", [0, 1]],
  ["KD KC 7H 7S", "Two Pair", [0, 1, 2, 3]],
  ["7H 7S 7C 2D", "Three of a Kind", [0, 1, 2]],
  ["AS 2H 3D 4C 5S", "Straight", [0, 1, 2, 3, 4]],
  ["10S JH QD KC AS", "Straight", [0, 1, 2, 3, 4]],
  ["QS KH AD 2C 3S", "High Card", [2]],
  ["AH KH QH JH 2H", "Flush", [0, 1, 2, 3, 4]],
  ["6H 6D 4S 4H 4C", "Full House", [0, 1, 2, 3, 4]],
  ["8S 8H 8D 8C", "Four of a Kind", [0, 1, 2, 3]],
  ["8S 8H 8D 8C 2S", "Four of a Kind", [0, 1, 2, 3]],
  ["9H 10H JH QH KH", "Straight Flush", [0, 1, 2, 3, 4]],
  ["5S 5H 5C 5D 5S", "Five of a Kind", [0, 1, 2, 3, 4]],
  ["6H 6H 4H 4H 4H", "Flush House", [0, 1, 2, 3, 4]],
  ["JC JC JC JC JC", "Flush Five", [0, 1, 2, 3, 4]],
  ["KS KH 9D+stone", "Pair", [0, 1, 2]],
  ["9D+stone", "High Card", [0]],
  ["QD+wild JC 10D 9S 8S", "Straight", [0, 1, 2, 3, 4]],
  ["AS+wild 2H 3H 4H 5H", "Straight Flush", [0, 1, 2, 3, 4]],
];

for (const [cards, hand, scoring] of TABLE) {
  Deno.test(`detectHand() ${cards} is ${hand}`, () => {
    const d = detect(cards);
    assert.equal(d.hand, hand);
    assert.deepEqual(d.scoring, scoring);
  });
}

Deno.test("detectHand() contains-sets follow the rules' table", () => {
  assert.deepEqual(detect("5S 5S 5S 5S 5S").contains, [
    "Flush Five",
    "Five of a Kind",
    "Four of a Kind",
    "Flush",
    "Three of a Kind",
    "Pair",
    "High Card",
  ]);
  assert.ok(!detect("8S 8H 8D 8C").contains.includes("Two Pair"));
  assert.ok(detect("6H 6D 4S 4H 4C").contains.includes("Two Pair"));
  const flushWithPair = detect("AH AH QH JH 2H");
  assert.equal(flushWithPair.hand, "Flush");
  assert.ok(flushWithPair.contains.includes("Pair"));
});

Deno.test("detectHand() Four Fingers makes 4-card flushes and straights", () => {
  assert.equal(detect("9H 7H 5H 3H KS").hand, "High Card");
  const flush = detect("9H 7H 5H 3H KS", { fourFingers: true });
  assert.equal(flush.hand, "Flush");
  assert.deepEqual(flush.scoring, [0, 1, 2, 3]);
  const straight = detect("5S 6H 7D 8C KS", { fourFingers: true });
  assert.equal(straight.hand, "Straight");
  assert.deepEqual(straight.scoring, [0, 1, 2, 3]);
  const sf = detect("5H 6H 7H 8H 8S", { fourFingers: true });
  assert.equal(sf.hand, "Straight Flush");
  assert.deepEqual(sf.scoring, [0, 1, 2, 3, 4]);
  assert.equal(detect("5H 5H 5H 5H 5S", { fourFingers: true }).hand, "Flush Five");
});

Deno.test("detectHand() Shortcut allows one-rank gaps, several times", () => {
  assert.equal(detect("10S 8H 6D 5C 3S").hand, "High Card");
  assert.equal(detect("10S 8H 6D 5C 3S", { shortcut: true }).hand, "Straight");
  assert.equal(detect("AS 3H 5D 7C 9S", { shortcut: true }).hand, "Straight");
  assert.equal(detect("2S 3H 4D 7C 8S", { shortcut: true }).hand, "High Card");
  assert.equal(detect("2S 4H 6D 8C", { shortcut: true, fourFingers: true }).hand, "Straight");
});

Deno.test("detectHand() Smeared Joker joins same-colour suits for flushes", () => {
  assert.equal(detect("2H 5D 7H 9D KH").hand, "High Card");
  assert.equal(detect("2H 5D 7H 9D KH", { smeared: true }).hand, "Flush");
  assert.equal(detect("2S 5C 7S 9C KH", { smeared: true }).hand, "High Card");
});

Deno.test("detectHand() Splash makes every played card score", () => {
  const d = detect("KD KD AH 3C", { splash: true });
  assert.equal(d.hand, "Pair");
  assert.deepEqual(d.scoring, [0, 1, 2, 3]);
});

Deno.test("detectHand() a debuffed Wild card keeps only its printed suit for flushes", () => {
  const play = preparePlay({
    jokers: [],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  });
  const cards = prepareCards(parseCards("2H 5H 7H 9H KS+wild+debuffed"), play);
  assert.equal(HAND_TYPES[detectHand(cards, DEFAULT_RULES).hand], "High Card");
});

function jokers(...names: string[]): Joker[] {
  return names.map((name) => ({ name, edition: "none", state: {} }));
}

Deno.test("Pareidolia makes every card a face card (Smiley Face, The Plant)", () => {
  const base = {
    played: parseCards("2S"),
    held: [],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  };
  assert.equal(score({ ...base, jokers: jokers("Smiley Face") }).score, 7);
  assert.equal(score({ ...base, jokers: jokers("Smiley Face", "Pareidolia") }).score, 7 * 6);
  const plant = defaultContext({
    blind: { name: "The Plant", chips: 0, mult: 2, boss: true, disabled: false },
  });
  const debuffed = score({ ...base, jokers: jokers("Pareidolia"), context: plant });
  assert.equal(debuffed.chips, 5, "the 2 is a face card, debuffed by The Plant");
  assert.equal(score({ ...base, jokers: [], context: plant }).chips, 7);
});

Deno.test("rule changers switched off when debuffed", () => {
  const play = {
    played: parseCards("9H 7H 5H 3H KS"),
    held: [],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  };
  const ff: Joker = { name: "Four Fingers", edition: "none", state: {} };
  assert.equal(score({ ...play, jokers: [ff] }).handType, "Flush");
  assert.equal(score({ ...play, jokers: [{ ...ff, debuffed: true }] }).handType, "High Card");
});
