// Jokers that multiply mult in phase 8 (conditional, deck-based or stored ×mult), and Baseball
// Card's reaction to Uncommon jokers. Pure game logic: no I/O, no clock.

import type { Suit } from "../cards.ts";
import { flushSuit, type HandRules, hasSuit, type PreparedCard } from "../card_rules.ts";
import { HAND_INDEX, type HandType } from "../hands.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";
import type { Rarity } from "../state.ts";

function times(
  name: string,
  rarity: Rarity,
  text: string,
  factor: (run: ScoringRun, j: number) => number,
): JokerDef {
  return {
    name,
    rarity,
    copyable: true,
    kind: "ordered",
    text,
    main(run, j) {
      const x = factor(run, j);
      if (x > 1) run.xMult(x);
    },
  };
}

function storedX(name: string, rarity: Rarity, text: string, fallback = 1): JokerDef {
  return {
    ...times(name, rarity, text, (run, j) => run.vals[j]),
    valueKey: "x_mult",
    initial: (joker) => stateNumber(joker, "x_mult", fallback),
  };
}

function ifContains(name: string, hand: HandType, x: number): JokerDef {
  const index = HAND_INDEX[hand];
  return times(
    name,
    "Rare",
    `×${x} mult if the hand contains ${hand}`,
    (run) => (run.has(index) ? x : 1),
  );
}

const SUIT_ORDER: readonly Suit[] = ["Hearts", "Diamonds", "Spades", "Clubs"];

/**
 * Counts the suits present in the scoring set the way Flower Pot and Seeing Double do:
 * non-Wild cards first (one suit each, debuff ignored), then Wild cards fill missing suits
 * (a debuffed Wild adds nothing). Returns counts in the order Hearts, Diamonds, Spades, Clubs.
 */
export function suitPresence(scoring: readonly PreparedCard[], rules: HandRules): number[] {
  const counts = [0, 0, 0, 0];
  for (const card of scoring) {
    if (card.enhancement === "wild") continue;
    for (let s = 0; s < 4; s++) {
      if (hasSuit(card, SUIT_ORDER[s], rules, true)) {
        counts[s]++;
        break;
      }
    }
  }
  for (const card of scoring) {
    if (card.enhancement !== "wild") continue;
    for (let s = 0; s < 4; s++) {
      if (counts[s] === 0 && hasSuit(card, SUIT_ORDER[s], rules)) {
        counts[s]++;
        break;
      }
    }
  }
  return counts;
}

/** Phase-8 ×mult jokers and Baseball Card. */
export const XMULT_JOKERS: readonly JokerDef[] = [
  times("Cavendish", "Common", "×3 mult", () => 3),
  ifContains("The Duo", "Pair", 2),
  ifContains("The Trio", "Three of a Kind", 3),
  ifContains("The Family", "Four of a Kind", 4),
  ifContains("The Order", "Straight", 3),
  ifContains("The Tribe", "Flush", 2),
  times(
    "Blackboard",
    "Uncommon",
    "×3 mult if every held card is a Spade or a Club",
    (run) =>
      run.held.every((c) => flushSuit(c, "Spades", run.rules) || flushSuit(c, "Clubs", run.rules))
        ? 3
        : 1,
  ),
  times(
    "Steel Joker",
    "Uncommon",
    "×(1 + 0.2 per Steel card in the full deck)",
    (run) => 1 + 0.2 * (run.context.fullDeckCounts["steel"] ?? 0),
  ),
  times(
    "Flower Pot",
    "Uncommon",
    "×3 mult if the scoring cards include a Diamond, Club, Heart and Spade",
    (run) => (suitPresence(run.scoring, run.rules).every((n) => n > 0) ? 3 : 1),
  ),
  times(
    "Seeing Double",
    "Uncommon",
    "×2 mult if the scoring cards include a Club and a card of another suit",
    (run) => {
      const [h, d, s, c] = suitPresence(run.scoring, run.rules);
      return c > 0 && h + d + s > 0 ? 2 : 1;
    },
  ),
  times(
    "Card Sharp",
    "Uncommon",
    "×3 mult if this hand type was already played this round",
    (run) => (run.timesPlayedThisRound > 1 ? 3 : 1),
  ),
  times(
    "Acrobat",
    "Uncommon",
    "×3 mult on the final hand of the round",
    (run) => (run.handsLeft <= 0 ? 3 : 1),
  ),
  times(
    "Loyalty Card",
    "Uncommon",
    "×4 mult every 6th hand played",
    (run, j) => (stateNumber(run.jokers[j].joker, "remaining", 5) === 0 ? 4 : 1),
  ),
  times(
    "Joker Stencil",
    "Uncommon",
    "×1 mult per empty joker slot (Stencils count as empty)",
    (run) => {
      let stencils = 0;
      for (const rj of run.jokers) if (rj.joker.name === "Joker Stencil") stencils++;
      return run.context.jokerSlots - run.jokers.length + stencils;
    },
  ),
  times(
    "Driver's License",
    "Rare",
    "×3 mult with at least 16 enhanced cards in the full deck",
    (run) => ((run.context.fullDeckCounts["enhanced"] ?? 0) >= 16 ? 3 : 1),
  ),
  storedX("Hologram", "Uncommon", "×mult grown by cards added to the deck"),
  storedX("Constellation", "Uncommon", "×mult grown by Planets used"),
  storedX("Glass Joker", "Uncommon", "×mult grown by Glass cards destroyed"),
  storedX("Madness", "Uncommon", "×mult grown by blinds selected"),
  storedX("Throwback", "Uncommon", "×mult grown by blinds skipped"),
  storedX("Ramen", "Uncommon", "×2 mult, −0.01 per card discarded", 2),
  storedX("Campfire", "Rare", "×mult grown by cards sold"),
  storedX("Hit the Road", "Rare", "×mult grown by Jacks discarded this round"),
  storedX("Yorick", "Legendary", "×mult grown by cards discarded"),
  storedX("Canio", "Legendary", "×mult grown by face cards destroyed"),
  {
    name: "Baseball Card",
    rarity: "Rare",
    copyable: true,
    kind: "ordered",
    text: "×1.5 mult after each Uncommon joker",
    reaction(run, j, other) {
      if (other !== j && run.jokers[other].rarity === "Uncommon") run.xMult(1.5);
    },
  },
];
