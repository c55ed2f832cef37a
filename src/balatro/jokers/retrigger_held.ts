// Jokers that retrigger cards (phase 6 and 7) and jokers that act on held cards (phase 7).
// Pure game logic: no I/O, no clock.

import { isFace, type PreparedCard } from "../card_rules.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";

/** The held card Raised Fist targets: lowest rank (Ace high), rightmost on ties, no Stone. */
export function raisedFistTarget(held: readonly PreparedCard[]): PreparedCard | null {
  let target: PreparedCard | null = null;
  let lowest = 15;
  for (const card of held) {
    if (card.enhancement === "stone") continue;
    if (card.id <= lowest) {
      lowest = card.id;
      target = card;
    }
  }
  return target;
}

function retrigger(
  name: string,
  rarity: JokerDef["rarity"],
  text: string,
  count: (run: ScoringRun, card: PreparedCard, j: number) => number,
): JokerDef {
  return {
    name,
    rarity,
    copyable: true,
    kind: "none",
    text,
    repetition: (run, j, card) => count(run, card, j),
  };
}

/** Retrigger and held-card jokers. */
export const RETRIGGER_HELD_JOKERS: readonly JokerDef[] = [
  retrigger(
    "Sock and Buskin",
    "Uncommon",
    "retrigger every scored face card",
    (run, card) => (isFace(card, run.rules) ? 1 : 0),
  ),
  retrigger(
    "Hanging Chad",
    "Common",
    "retrigger the first scored card 2 more times",
    (run, card) => (run.scoring[0] === card ? 2 : 0),
  ),
  retrigger(
    "Dusk",
    "Uncommon",
    "retrigger every scored card on the final hand of the round",
    (run) => (run.handsLeft <= 0 ? 1 : 0),
  ),
  retrigger(
    "Hack",
    "Uncommon",
    "retrigger every scored 2, 3, 4 and 5",
    (_run, card) => (card.id >= 2 && card.id <= 5 ? 1 : 0),
  ),
  retrigger(
    "Seltzer",
    "Uncommon",
    "retrigger every scored card for the next 10 hands",
    (run, _card, j) => (stateNumber(run.jokers[j].joker, "hands_remaining", 10) > 0 ? 1 : 0),
  ),
  {
    name: "Mime",
    rarity: "Uncommon",
    copyable: true,
    kind: "none",
    text: "retrigger every held card that has a held effect",
    heldRepetition: () => 1,
  },
  {
    name: "Baron",
    rarity: "Rare",
    copyable: true,
    kind: "ordered",
    text: "×1.5 mult per King held in hand",
    held(run, _j, card) {
      if (card.id !== 13) return false;
      run.xMult(1.5);
      return true;
    },
  },
  {
    name: "Shoot the Moon",
    rarity: "Common",
    copyable: true,
    kind: "additive",
    text: "+13 mult per Queen held in hand",
    held(run, _j, card) {
      if (card.id !== 12) return false;
      run.addMult(13);
      return true;
    },
  },
  {
    name: "Raised Fist",
    rarity: "Common",
    copyable: true,
    kind: "additive",
    text: "+2 × the rank chips of the lowest held card",
    held(run, _j, card) {
      if (raisedFistTarget(run.held) !== card) return false;
      run.addMult(2 * card.nominal);
      return true;
    },
  },
  {
    name: "Reserved Parking",
    rarity: "Common",
    copyable: true,
    kind: "none",
    random: true,
    text: "1 in 2: +$1 per face card held in hand",
    held(run, _j, card) {
      if (!isFace(card, run.rules)) return false;
      const w = run.luck.chance(run.odds(2));
      if (w <= 0) return false;
      run.addMoney(w);
      return true;
    },
  },
];
