// Blinds: boss effects that change scoring (debuffs, The Flint, hand restrictions, The Arm,
// money effects) and the required score. Pure game logic: no I/O, no clock.

import type { Suit } from "./cards.ts";
import { type HandRules, hasSuit, isFace, type PreparedCard } from "./card_rules.ts";
import { HAND_TABLES } from "./hands.ts";
import type { Blind } from "./state.ts";

const SUIT_BOSSES: Readonly<Record<string, Suit>> = {
  "The Club": "Clubs",
  "The Goad": "Spades",
  "The Head": "Hearts",
  "The Window": "Diamonds",
};

/** True when the blind is a boss whose effect applies (not disabled, no Chicot). */
export function bossActive(blind: Blind, chicot: boolean): boolean {
  return blind.boss && !blind.disabled && !chicot;
}

/**
 * True when the active boss debuffs the card: suit bosses (Wild cards too, Smeared widens),
 * The Plant (face cards; every card with Pareidolia), The Pillar (played this ante), Verdant Leaf.
 */
export function bossDebuffs(bossName: string, card: PreparedCard, rules: HandRules): boolean {
  const suit = SUIT_BOSSES[bossName];
  if (suit !== undefined) return hasSuit(card, suit, rules, true);
  switch (bossName) {
    case "The Plant":
      return isFace(card, rules, true);
    case "The Pillar":
      return card.card.playedThisAnte;
    case "Verdant Leaf":
      return true;
    default:
      return false;
  }
}

/**
 * Why the active boss forbids the hand (it then scores 0), or null: The Psychic (fewer than 5
 * cards), The Eye (hand type already played this round), The Mouth (another type played).
 */
export function blockedBy(
  bossName: string,
  hand: number,
  playedCount: number,
  playedThisRound: readonly number[],
): string | null {
  if (bossName === "The Psychic" && playedCount < 5) return "The Psychic requires 5 cards";
  if (bossName === "The Eye" && playedThisRound[hand] > 0) {
    return "The Eye forbids repeating a hand type this round";
  }
  if (bossName === "The Mouth") {
    for (let h = 0; h < playedThisRound.length; h++) {
      if (h !== hand && playedThisRound[h] > 0) {
        return "The Mouth allows only one hand type this round";
      }
    }
  }
  return null;
}

/** The Flint: halve, rounding half up. */
export function flintHalve(chips: number, mult: number): [number, number] {
  return [Math.max(Math.floor(chips * 0.5 + 0.5), 0), Math.max(Math.floor(mult * 0.5 + 0.5), 1)];
}

/** The hand type with the most plays (first in precedence order on ties), for The Ox. */
export function mostPlayedHand(played: readonly number[]): number {
  let best = HAND_TABLES.length - 1;
  let most = -1;
  for (let h = 0; h < played.length; h++) {
    if (played[h] > most) {
      most = played[h];
      best = h;
    }
  }
  return best;
}

/** Stake groups for blind scaling: S1 White/Red, S2 Green/Black/Blue, S3 Purple/Orange/Gold. */
export function stakeGroup(stake: string): 1 | 2 | 3 {
  switch (stake) {
    case "Green":
    case "Black":
    case "Blue":
      return 2;
    case "Purple":
    case "Orange":
    case "Gold":
      return 3;
    default:
      return 1;
  }
}

const ANTE_BASE: readonly (readonly number[])[] = [
  [300, 800, 2000, 5000, 11000, 20000, 35000, 50000],
  [300, 900, 2600, 8000, 20000, 36000, 60000, 100000],
  [300, 1000, 3200, 9000, 25000, 60000, 110000, 200000],
];

/** Base chips of an ante for a stake (endless antes above 8 use the game's formula). */
export function anteBase(ante: number, stake: string): number {
  const table = ANTE_BASE[stakeGroup(stake) - 1];
  if (ante < 1) return 100;
  if (ante <= 8) return table[ante - 1];
  const a = table[7];
  const c = ante - 8;
  const d = 1 + 0.2 * c;
  const amount = Math.floor(a * Math.pow(1.6 + Math.pow(0.75 * c, d), c));
  const digits = Math.floor(Math.log10(amount)) + 1 - 2;
  const unit = Math.pow(10, Math.max(0, digits));
  return Math.floor(amount / unit) * unit;
}

/** Blind multiplier by name: Small 1, Big 1.5, The Wall 4, The Needle 1, Violet Vessel 6, other bosses 2. */
export function blindMultiplier(name: string): number {
  switch (name) {
    case "Small Blind":
    case "The Needle":
      return 1;
    case "Big Blind":
      return 1.5;
    case "The Wall":
      return 4;
    case "Violet Vessel":
      return 6;
    default:
      return 2;
  }
}

/**
 * Required score of a blind: base(ante, stake) × blind multiplier × 2 on Plasma Deck.
 *
 * @example
 * ```ts
 * blindRequirement(1, "White", "Big Blind", "Red Deck"); // 450
 * ```
 */
export function blindRequirement(ante: number, stake: string, name: string, deck: string): number {
  return anteBase(ante, stake) * blindMultiplier(name) * (deck === "Plasma Deck" ? 2 : 1);
}
