// Jokers that add a fixed or stored amount of chips or mult in phase 8.
// Pure game logic: no I/O, no clock.

import { HAND_INDEX, type HandType } from "../hands.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";
import type { Rarity } from "../state.ts";

function plusMult(
  name: string,
  rarity: Rarity,
  text: string,
  amount: (run: ScoringRun, j: number) => number,
): JokerDef {
  return {
    name,
    rarity,
    copyable: true,
    kind: "additive",
    text,
    main(run, j) {
      const m = amount(run, j);
      if (m > 0) run.addMult(m);
    },
  };
}

function plusChips(
  name: string,
  rarity: Rarity,
  text: string,
  amount: (run: ScoringRun, j: number) => number,
): JokerDef {
  return {
    name,
    rarity,
    copyable: true,
    kind: "none",
    text,
    main(run, j) {
      const c = amount(run, j);
      if (c > 0) run.addChips(c);
    },
  };
}

function storedMult(name: string, rarity: Rarity, text: string, fallback: number): JokerDef {
  return {
    ...plusMult(name, rarity, text, (run, j) => run.vals[j]),
    valueKey: "mult",
    initial: (joker) => stateNumber(joker, "mult", fallback),
  };
}

function storedChips(name: string, rarity: Rarity, text: string, fallback: number): JokerDef {
  return {
    ...plusChips(name, rarity, text, (run, j) => run.vals[j]),
    valueKey: "chips",
    initial: (joker) => stateNumber(joker, "chips", fallback),
  };
}

function ifContains(
  name: string,
  cost: "mult" | "chips",
  hand: HandType,
  amount: number,
): JokerDef {
  const index = HAND_INDEX[hand];
  const text = `+${amount} ${cost} if the hand contains ${hand}`;
  return cost === "mult"
    ? plusMult(name, "Common", text, (run) => (run.has(index) ? amount : 0))
    : plusChips(name, "Common", text, (run) => (run.has(index) ? amount : 0));
}

/** Jokers with a flat or stored +chips/+mult main effect. */
export const FLAT_JOKERS: readonly JokerDef[] = [
  plusMult("Joker", "Common", "+4 mult", () => 4),
  ifContains("Jolly Joker", "mult", "Pair", 8),
  ifContains("Zany Joker", "mult", "Three of a Kind", 12),
  ifContains("Mad Joker", "mult", "Two Pair", 10),
  ifContains("Crazy Joker", "mult", "Straight", 12),
  ifContains("Droll Joker", "mult", "Flush", 10),
  ifContains("Sly Joker", "chips", "Pair", 50),
  ifContains("Wily Joker", "chips", "Three of a Kind", 100),
  ifContains("Clever Joker", "chips", "Two Pair", 80),
  ifContains("Devious Joker", "chips", "Straight", 100),
  ifContains("Crafty Joker", "chips", "Flush", 80),
  plusMult(
    "Half Joker",
    "Common",
    "+20 mult if at most 3 cards are played",
    (run) => (run.played.length <= 3 ? 20 : 0),
  ),
  plusChips(
    "Banner",
    "Common",
    "+30 chips per remaining discard",
    (run) => 30 * Math.max(0, run.context.discardsRemaining),
  ),
  plusMult(
    "Mystic Summit",
    "Common",
    "+15 mult when 0 discards remain",
    (run) => (run.context.discardsRemaining <= 0 ? 15 : 0),
  ),
  plusMult(
    "Abstract Joker",
    "Common",
    "+3 mult per joker owned",
    (run) => 3 * run.jokers.length,
  ),
  plusMult(
    "Supernova",
    "Common",
    "+mult equal to the times this hand type was played this run",
    (run) => run.timesPlayed,
  ),
  plusMult("Gros Michel", "Common", "+15 mult", () => 15),
  {
    name: "Misprint",
    rarity: "Common",
    copyable: true,
    kind: "additive",
    random: true,
    text: "+0 to +23 mult at random",
    main(run) {
      const m = run.luck.integer(0, 23);
      if (m > 0) run.addMult(m);
    },
  },
  plusChips(
    "Blue Joker",
    "Common",
    "+2 chips per card left in the draw pile",
    (run) => 2 * Math.max(0, run.context.deckRemainingCount),
  ),
  storedMult("Fortune Teller", "Common", "+1 mult per Tarot used this run", 0),
  storedMult("Swashbuckler", "Common", "+mult equal to the other jokers' sell values", 0),
  storedMult("Ceremonial Dagger", "Uncommon", "+mult grown from destroyed jokers", 0),
  storedMult("Red Card", "Common", "+3 mult per booster pack skipped", 0),
  storedMult("Flash Card", "Uncommon", "+2 mult per shop reroll", 0),
  storedMult("Popcorn", "Common", "+20 mult, −4 per round", 20),
  plusChips(
    "Bull",
    "Uncommon",
    "+2 chips per $1 held",
    (run) => 2 * Math.max(0, run.money),
  ),
  plusMult(
    "Bootstraps",
    "Uncommon",
    "+2 mult per full $5 held",
    (run) => 2 * Math.floor(Math.max(0, run.money) / 5),
  ),
  plusChips(
    "Stone Joker",
    "Uncommon",
    "+25 chips per Stone card in the full deck",
    (run) => 25 * (run.context.fullDeckCounts["stone"] ?? 0),
  ),
  plusMult(
    "Erosion",
    "Uncommon",
    "+4 mult per card below the starting deck size",
    (run) => {
      const start = run.context.deck === "Abandoned Deck" ? 40 : 52;
      return 4 * Math.max(0, start - run.context.fullDeckSize);
    },
  ),
  plusChips("Stuntman", "Rare", "+250 chips", () => 250),
  storedChips("Ice Cream", "Common", "+100 chips, −5 after each hand", 100),
  storedChips("Castle", "Uncommon", "+3 chips per discarded card of the round's suit", 0),
];
