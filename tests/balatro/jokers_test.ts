import assert from "node:assert/strict";
import {
  createRng,
  defaultContext,
  findJoker,
  type Joker,
  JOKER_DEFS,
  parseCards,
  type Play,
  sampleScore,
  score,
} from "../../src/balatro/mod.ts";

function j(name: string, extra: Partial<Joker> = {}): Joker {
  return { name, edition: "none", state: {}, ...extra };
}

function play(cards: string, jokers: Joker[], extra: Partial<Play> = {}): Play {
  return {
    played: parseCards(cards),
    held: [],
    jokers,
    handLevels: {},
    handStats: {},
    context: defaultContext(),
    ...extra,
  };
}

Deno.test("catalog knows at least 60 scoring jokers and every joker name is unique", () => {
  const names = JOKER_DEFS.map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
  const scoring = JOKER_DEFS.filter((d) =>
    d.main || d.individual || d.held || d.repetition || d.heldRepetition || d.before ||
    d.reaction
  );
  assert.ok(scoring.length >= 60, `only ${scoring.length} scoring jokers`);
});

Deno.test("catalog finds jokers regardless of case and punctuation", () => {
  assert.equal(findJoker("oops all 6s")?.name, "Oops! All 6s");
  assert.equal(findJoker("drivers license")?.name, "Driver's License");
  assert.equal(findJoker("Seance")?.name, "Séance");
  assert.equal(findJoker("Not A Joker"), undefined);
});

Deno.test("reordering non-interacting jokers never changes the score", () => {
  const additive = [j("Joker"), j("Sly Joker"), j("Even Steven"), j("Jolly Joker"), j("Banner")];
  const base = score(play("8S 8H 4D 4C 2S", additive)).score;
  const rng = createRng(5);
  for (let k = 0; k < 30; k++) {
    const shuffled = additive.slice().sort(() => rng.next() - 0.5);
    assert.equal(score(play("8S 8H 4D 4C 2S", shuffled)).score, base);
  }
});

Deno.test("Blueprint copies the joker to its right at its own slot; Brainstorm the leftmost", () => {
  // Pair of Kings 30 chips × 2; Sly +50 per copy.
  assert.equal(score(play("KS KH", [j("Blueprint"), j("Sly Joker")])).chips, 130);
  assert.equal(score(play("KS KH", [j("Sly Joker"), j("Brainstorm")])).chips, 130);
  assert.equal(score(play("KS KH", [j("Sly Joker"), j("Blueprint")])).chips, 80);
  // Brainstorm → Blueprint → Sly copies Sly.
  assert.equal(score(play("KS KH", [j("Blueprint"), j("Sly Joker"), j("Brainstorm")])).chips, 180);
  // Loop: Blueprint → Brainstorm → Blueprint… gives nothing.
  assert.equal(score(play("KS KH", [j("Blueprint"), j("Brainstorm")])).chips, 30);
  // Rule changers cannot be copied.
  assert.equal(
    score(play("9H 7H 5H 3H KS", [j("Blueprint"), j("Four Fingers")])).handType,
    "Flush",
  );
  // A copy never advances counters: Green Joker +1 once.
  const green = score(play("KS", [j("Blueprint"), j("Green Joker", { state: { mult: 3 } })]));
  assert.equal(green.mult, 1 + 4 + 4);
});

Deno.test("editions: Foil/Holo before the joker, Polychrome after; debuffed jokers do nothing", () => {
  // High Card AS: 16 chips, mult 1.
  assert.equal(score(play("AS", [j("Joker", { edition: "foil" })])).chips, 66);
  assert.equal(score(play("AS", [j("Joker", { edition: "holographic" })])).mult, 15);
  assert.equal(score(play("AS", [j("Joker", { edition: "polychrome" })])).mult, 7.5);
  assert.equal(score(play("AS", [j("Joker", { edition: "foil", debuffed: true })])).chips, 16);
});

Deno.test("boss blinds: The Flint rounds half up, The Arm lowers the level, The Eye blocks", () => {
  const boss = (name: string) =>
    defaultContext({ blind: { name, chips: 0, mult: 2, boss: true, disabled: false } });
  // Pair 10/2 → 5/1.
  assert.equal(score(play("2S 2H", [], { context: boss("The Flint") })).chips, 5 + 4);
  const arm = score(play("2S 2H", [], { context: boss("The Arm"), handLevels: { Pair: 3 } }));
  assert.equal(arm.level, 2);
  assert.equal(arm.chips, 25 + 4);
  const eye = score(play("2S 2H", [j("Joker")], {
    context: boss("The Eye"),
    handStats: { Pair: { played: 1, playedThisRound: 1 } },
  }));
  assert.equal(eye.score, 0);
  assert.ok(eye.blocked !== null);
  const disabled = score(play("2S 2H", [j("Chicot")], { context: boss("The Flint") }));
  assert.equal(disabled.chips, 14);
  const goad = score(play("2S 2H", [], { context: boss("The Goad") }));
  assert.equal(goad.chips, 12, "the 2 of Spades is debuffed");
});

Deno.test("held cards: Steel ×1.5 then Shoot the Moon +13, Mime repeats both", () => {
  const p = play("AS", [j("Shoot the Moon"), j("Mime")], {
    held: parseCards("QH+steel"),
  });
  // mult 1 → ×1.5 → +13 → ×1.5 → +13
  assert.equal(score(p).mult, ((1 * 1.5 + 13) * 1.5) + 13);
});

Deno.test("retriggers add up: Red seal, Sock and Buskin, Hanging Chad, Dusk on the final hand", () => {
  const p = play("KS", [j("Sock and Buskin"), j("Hanging Chad"), j("Dusk")], {
    context: defaultContext({ handsRemaining: 1 }),
  });
  const card = parseCards("KS+red-seal");
  // 1 + red + sock + 2 chad + dusk = 6 triggers of 10 chips.
  assert.equal(score({ ...p, played: card }).chips, 5 + 60);
});

Deno.test("money during scoring feeds Bull and Bootstraps", () => {
  const p = play("KS KH", [j("Bull")], { played: parseCards("KS+gold-seal KH+gold-seal") });
  // 30 chips + 2 × $6.
  assert.equal(score(p).chips, 30 + 12);
});

Deno.test("chance effects give min, max, exact mean and seeded samples", () => {
  const p = play("AH KH", [j("Bloodstone")], { played: parseCards("AH") });
  const r = score(p);
  assert.ok(r.chance !== null);
  assert.equal(r.chance.min.mult, 1);
  assert.equal(r.chance.max.mult, 1.5);
  assert.equal(r.chance.mean.mult, 1.25);
  assert.ok(r.chance.meanExact);
  const a = [1, 2, 3, 4, 5].map((s) => sampleScore(p, s).score);
  const b = [1, 2, 3, 4, 5].map((s) => sampleScore(p, s).score);
  assert.deepEqual(a, b);
  for (const s of a) assert.ok(s === 16 || s === 24);
  // Oops! All 6s doubles the odds: Bloodstone is then certain.
  const oops = score({ ...p, jokers: [j("Bloodstone"), j("Oops! All 6s")] });
  assert.equal(oops.chance, null);
  assert.equal(oops.mult, 1.5);
  // Misprint ranges over 0..23.
  const misprint = score(play("AS", [j("Misprint")]));
  assert.equal(misprint.chance?.max.mult, 24);
  assert.equal(misprint.chance?.mean.mult, 12.5);
});

Deno.test("numbers beyond 2^53 keep the game's double arithmetic", () => {
  const jokers = Array.from({ length: 8 }, () => j("Yorick", { state: { x_mult: 1000 } }));
  const r = score(play("AS", jokers));
  assert.equal(r.mult, 1e24);
  assert.equal(r.score, Math.floor(16 * 1e24));
  assert.ok(r.score > 2 ** 53);
});
