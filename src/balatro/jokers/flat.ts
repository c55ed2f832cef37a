// Jokers that add a fixed or stored amount of chips or mult in phase 8.
// Pure game logic: no I/O, no clock.

import { HAND_INDEX, type HandType } from "../hands.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";
import type { Rarity } from "../state.ts";

/** A joker that adds `amount` of chips or mult in phase 8 (nothing when it is 0). */
function plus(
  value: "mult" | "chips",
  name: string,
  rarity: Rarity,
  text: string,
  amount: (run: ScoringRun, j: number) => number,
): JokerDef {
  return {
    name,
    rarity,
    copyable: true,
    kind: value === "mult" ? "additive" : "none",
    text,
    main(run, j) {
      const n = amount(run, j);
      if (n <= 0) return;
      if (value === "mult") run.addMult(n);
      else run.addChips(n);
    },
  };
}

/** A joker whose stored value (mod state or `fallback`) is added in phase 8. */
function stored(
  value: "mult" | "chips",
  name: string,
  rarity: Rarity,
  text: string,
  fallback: number,
): JokerDef {
  return {
    ...plus(value, name, rarity, text, (run, j) => run.vals[j]),
    valueKey: value,
    initial: (joker) => stateNumber(joker, value, fallback),
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
    ? plus("mult", name, "Common", text, (run) => (run.has(index) ? amount : 0))
    : plus("chips", name, "Common", text, (run) => (run.has(index) ? amount : 0));
}

/** Jokers with a flat or stored +chips/+mult main effect. */
export const FLAT_JOKERS: readonly JokerDef[] = [
  plus("mult", "Joker", "Common", "+4 mult", () => 4),
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
  plus(
    "mult",
    "Half Joker",
    "Common",
    "+20 mult if at most 3 cards are played",
    (run) => (run.played.length <= 3 ? 20 : 0),
  ),
  plus(
    "chips",
    "Banner",
    "Common",
    "+30 chips per remaining discard",
    (run) => 30 * Math.max(0, run.context.discardsRemaining),
  ),
  plus(
    "mult",
    "Mystic Summit",
    "Common",
    "+15 mult when 0 discards remain",
    (run) => (run.context.discardsRemaining <= 0 ? 15 : 0),
  ),
  plus(
    "mult",
    "Abstract Joker",
    "Common",
    "+3 mult per joker owned",
    (run) => 3 * run.jokers.length,
  ),
  plus(
    "mult",
    "Supernova",
    "Common",
    "+mult equal to the times this hand type was played this run",
    (run) => run.timesPlayed,
  ),
  plus("mult", "Gros Michel", "Common", "+15 mult", () => 15),
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
  plus(
    "chips",
    "Blue Joker",
    "Common",
    "+2 chips per card left in the draw pile",
    (run) => 2 * Math.max(0, run.context.deckRemainingCount),
  ),
  stored("mult", "Fortune Teller", "Common", "+1 mult per Tarot used this run", 0),
  stored("mult", "Swashbuckler", "Common", "+mult equal to the other jokers' sell values", 0),
  stored("mult", "Ceremonial Dagger", "Uncommon", "+mult grown from destroyed jokers", 0),
  stored("mult", "Red Card", "Common", "+3 mult per booster pack skipped", 0),
  stored("mult", "Flash Card", "Uncommon", "+2 mult per shop reroll", 0),
  stored("mult", "Popcorn", "Common", "+20 mult, −4 per round", 20),
  plus("chips", "Bull", "Uncommon", "+2 chips per $1 held", (run) => 2 * Math.max(0, run.money)),
  plus(
    "mult",
    "Bootstraps",
    "Uncommon",
    "+2 mult per full $5 held",
    (run) => 2 * Math.floor(Math.max(0, run.money) / 5),
  ),
  plus(
    "chips",
    "Stone Joker",
    "Uncommon",
    "+25 chips per Stone card in the full deck",
    (run) => 25 * (run.context.fullDeckCounts["stone"] ?? 0),
  ),
  plus("mult", "Erosion", "Uncommon", "+4 mult per card below the starting deck size", (run) => {
    const start = run.context.deck === "Abandoned Deck" ? 40 : 52;
    return 4 * Math.max(0, start - run.context.fullDeckSize);
  }),
  plus("chips", "Stuntman", "Rare", "+250 chips", () => 250),
  stored("chips", "Ice Cream", "Common", "+100 chips, −5 after each hand", 100),
  stored("chips", "Castle", "Uncommon", "+3 chips per discarded card of the round's suit", 0),
];
