// Jokers that act on each trigger of a scored card (phase 6).
// Pure game logic: no I/O, no clock.

import { isRank, isSuit, rankId, type Suit } from "../cards.ts";
import { hasSuit, isFace, type PreparedCard } from "../card_rules.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";
import type { Rarity } from "../state.ts";

interface CardEffect {
  chips?: number;
  mult?: number;
  xMult?: number;
}

function perCard(
  name: string,
  rarity: Rarity,
  text: string,
  test: (run: ScoringRun, card: PreparedCard, j: number) => boolean,
  effect: CardEffect,
): JokerDef {
  const { chips = 0, mult = 0, xMult = 1 } = effect;
  return {
    name,
    rarity,
    copyable: true,
    kind: xMult !== 1 ? "ordered" : mult !== 0 ? "additive" : "none",
    text,
    individual(run, j, card) {
      if (!test(run, card, j)) return;
      if (chips !== 0) run.addChips(chips);
      if (mult !== 0) run.addMult(mult);
      if (xMult !== 1) run.xMult(xMult);
    },
  };
}

function suitJoker(name: string, suit: Suit, effect: CardEffect, text: string, rarity: Rarity) {
  return perCard(name, rarity, text, (run, card) => hasSuit(card, suit, run.rules), effect);
}

function ranks(...ids: number[]): (run: ScoringRun, card: PreparedCard) => boolean {
  const set = new Set(ids);
  return (_run, card) => set.has(card.id);
}

function targetSuit(run: ScoringRun, j: number): Suit | null {
  const s = run.jokers[j].joker.state.target_suit;
  return isSuit(s) ? s : null;
}

/** Jokers with a per-card effect on scored cards. */
export const PER_CARD_JOKERS: readonly JokerDef[] = [
  suitJoker("Greedy Joker", "Diamonds", { mult: 3 }, "+3 mult per scored Diamond", "Common"),
  suitJoker("Lusty Joker", "Hearts", { mult: 3 }, "+3 mult per scored Heart", "Common"),
  suitJoker("Wrathful Joker", "Spades", { mult: 3 }, "+3 mult per scored Spade", "Common"),
  suitJoker("Gluttonous Joker", "Clubs", { mult: 3 }, "+3 mult per scored Club", "Common"),
  suitJoker("Arrowhead", "Spades", { chips: 50 }, "+50 chips per scored Spade", "Uncommon"),
  suitJoker("Onyx Agate", "Clubs", { mult: 7 }, "+7 mult per scored Club", "Uncommon"),
  perCard(
    "Fibonacci",
    "Uncommon",
    "+8 mult per scored A, 2, 3, 5, 8",
    ranks(14, 2, 3, 5, 8),
    { mult: 8 },
  ),
  perCard(
    "Even Steven",
    "Common",
    "+4 mult per scored 10, 8, 6, 4, 2",
    ranks(10, 8, 6, 4, 2),
    { mult: 4 },
  ),
  perCard(
    "Odd Todd",
    "Common",
    "+31 chips per scored A, 9, 7, 5, 3",
    ranks(14, 9, 7, 5, 3),
    { chips: 31 },
  ),
  perCard("Scholar", "Common", "+20 chips and +4 mult per scored Ace", ranks(14), {
    chips: 20,
    mult: 4,
  }),
  perCard(
    "Walkie Talkie",
    "Common",
    "+10 chips and +4 mult per scored 10 or 4",
    ranks(10, 4),
    { chips: 10, mult: 4 },
  ),
  perCard(
    "Scary Face",
    "Common",
    "+30 chips per scored face card",
    (run, card) => isFace(card, run.rules),
    { chips: 30 },
  ),
  perCard(
    "Smiley Face",
    "Common",
    "+5 mult per scored face card",
    (run, card) => isFace(card, run.rules),
    { mult: 5 },
  ),
  perCard(
    "Photograph",
    "Common",
    "×2 mult on the first scored face card",
    (run, card) => run.firstFace === card,
    { xMult: 2 },
  ),
  perCard("Triboulet", "Legendary", "×2 mult per scored King or Queen", ranks(12, 13), {
    xMult: 2,
  }),
  perCard(
    "The Idol",
    "Uncommon",
    "×2 mult per scored card of the round's rank and suit",
    (run, card, j) => {
      const state = run.jokers[j].joker.state;
      const suit = targetSuit(run, j);
      return isRank(state.target_rank) && suit !== null &&
        card.id === rankId(state.target_rank) && hasSuit(card, suit, run.rules);
    },
    { xMult: 2 },
  ),
  perCard(
    "Ancient Joker",
    "Rare",
    "×1.5 mult per scored card of the round's suit",
    (run, card, j) => {
      const suit = targetSuit(run, j);
      return suit !== null && hasSuit(card, suit, run.rules);
    },
    { xMult: 1.5 },
  ),
  {
    name: "Bloodstone",
    rarity: "Uncommon",
    copyable: true,
    kind: "ordered",
    random: true,
    text: "1 in 2: ×1.5 mult per scored Heart",
    individual(run, _j, card) {
      if (!hasSuit(card, "Hearts", run.rules)) return;
      const w = run.luck.chance(run.odds(2));
      if (w > 0) run.xMult(1 + 0.5 * w);
    },
  },
  {
    name: "Golden Ticket",
    rarity: "Common",
    copyable: true,
    kind: "none",
    text: "+$4 per scored Gold card",
    individual(run, _j, card) {
      if (card.enhancement === "gold") run.addMoney(4);
    },
  },
  {
    name: "Rough Gem",
    rarity: "Uncommon",
    copyable: true,
    kind: "none",
    text: "+$1 per scored Diamond",
    individual(run, _j, card) {
      if (hasSuit(card, "Diamonds", run.rules)) run.addMoney(1);
    },
  },
  {
    name: "Business Card",
    rarity: "Common",
    copyable: true,
    kind: "none",
    random: true,
    text: "1 in 2: +$2 per scored face card",
    individual(run, _j, card) {
      if (!isFace(card, run.rules)) return;
      const w = run.luck.chance(run.odds(2));
      if (w > 0) run.addMoney(2 * w);
    },
  },
  {
    name: "Hiker",
    rarity: "Uncommon",
    copyable: true,
    kind: "none",
    text: "each scored card permanently gains +5 chips",
    individual(run, _j, card) {
      card.bonus += 5;
      run.note("card +5 bonus chips");
    },
  },
  {
    name: "Wee Joker",
    rarity: "Rare",
    copyable: true,
    kind: "none",
    text: "+8 chips whenever a 2 is scored; adds its chips",
    valueKey: "chips",
    initial: (joker) => stateNumber(joker, "chips", 0),
    individual(run, j, card, copy) {
      if (card.id === 2 && !copy) {
        run.vals[j] += 8;
        run.note("grows to +" + run.vals[j] + " chips");
      }
    },
    main(run, j) {
      if (run.vals[j] > 0) run.addChips(run.vals[j]);
    },
  },
  {
    name: "Lucky Cat",
    rarity: "Uncommon",
    copyable: true,
    kind: "ordered",
    random: true,
    text: "+×0.25 mult per Lucky card trigger",
    valueKey: "x_mult",
    initial: (joker) => stateNumber(joker, "x_mult", 1),
    individual(run, j, _card, copy) {
      if (run.luckyTrigger > 0 && !copy) {
        run.vals[j] += 0.25 * run.luckyTrigger;
        run.note("grows to ×" + run.vals[j]);
      }
    },
    main(run, j) {
      if (run.vals[j] > 1) run.xMult(run.vals[j]);
    },
  },
];
