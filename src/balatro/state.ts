// The engine's input types: a play (cards, jokers, levels, run context) and a game state.
// Pure game logic: no I/O, no clock.

import type { Card, Edition } from "./cards.ts";
import type { HandStat, HandType } from "./hands.ts";

/** Joker rarity. */
export type Rarity = "Common" | "Uncommon" | "Rare" | "Legendary";

/**
 * A joker's own values before the hand (what the game shows when Play is pressed).
 * Keys follow the test-vector schema; every key is optional and defaults per joker.
 */
export interface JokerState {
  /** Current +mult (Green Joker, Ride the Bus, Spare Trousers, Swashbuckler, Fortune Teller…). */
  readonly mult?: number;
  /** Current +chips (Castle, Square Joker, Runner, Ice Cream, Wee Joker…). */
  readonly chips?: number;
  /** Current ×mult (Hologram, Glass Joker, Yorick, Obelisk, Lucky Cat, Campfire…). */
  readonly x_mult?: number;
  /** This round's rank (The Idol). */
  readonly target_rank?: string;
  /** This round's suit (The Idol, Ancient Joker, Castle). */
  readonly target_suit?: string;
  /** Hands left on Seltzer (> 0 = active). */
  readonly hands_remaining?: number;
  /** Loyalty Card: hands until it is active (0 = active on this hand). */
  readonly remaining?: number;
}

/** A joker in the engine. */
export interface Joker {
  readonly name: string;
  /** Defaults to the joker's rarity in the game. */
  readonly rarity?: Rarity;
  readonly edition: Edition;
  readonly state: JokerState;
  /** Disabled (Crimson Heart) or otherwise debuffed. */
  readonly debuffed?: boolean;
  /** Sell value, used by Swashbuckler when its `mult` is not given. */
  readonly sellValue?: number;
}

/** The current blind. */
export interface Blind {
  /** "Small Blind", "Big Blind" or a boss name such as "The Flint". */
  readonly name: string;
  /** Required score. */
  readonly chips: number;
  readonly mult: number;
  readonly boss: boolean;
  /** Boss effect disabled (Chicot, Luchador). */
  readonly disabled: boolean;
}

/** A held consumable (Planets matter with Observatory). */
export interface Consumable {
  readonly name: string;
  readonly cardType: string;
  readonly edition: Edition;
}

/** Run state around the hand. */
export interface RunContext {
  /** Deck name; "Plasma Deck" balances chips and mult, "Abandoned Deck" starts with 40 cards. */
  readonly deck: string;
  readonly stake: string;
  readonly ante: number;
  readonly blind: Blind;
  /** Hands left **before** pressing Play (1 = this is the final hand). */
  readonly handsRemaining: number;
  readonly discardsRemaining: number;
  /** Dollars before the hand. */
  readonly money: number;
  readonly handSize: number;
  /** Joker slot capacity (Negative jokers included). */
  readonly jokerSlots: number;
  readonly consumableSlots: number;
  /** Cards left in the draw pile. */
  readonly deckRemainingCount: number;
  readonly fullDeckSize: number;
  /** Full-deck counts by enhancement ("steel", "stone", …) and "enhanced" (total). */
  readonly fullDeckCounts: Readonly<Record<string, number>>;
  readonly consumables: readonly Consumable[];
  readonly vouchers: readonly string[];
  /** `probabilities.normal`; when absent, 2 to the power of the Oops! All 6s count. */
  readonly probabilitiesNormal?: number;
  /** Hands already played this round; when absent, the sum of `playedThisRound` counters. */
  readonly handsPlayedThisRound?: number;
}

/** Everything one hand's score depends on. */
export interface Play {
  /** Played cards, left to right (1–5). */
  readonly played: readonly Card[];
  /** Cards left in hand, left to right. */
  readonly held: readonly Card[];
  /** Jokers, left to right. */
  readonly jokers: readonly Joker[];
  /** Levels of hands not at level 1. */
  readonly handLevels: Readonly<Partial<Record<HandType, number>>>;
  /** Counters before this hand (default 0). */
  readonly handStats: Readonly<Partial<Record<HandType, Partial<HandStat>>>>;
  readonly context: RunContext;
}

/** A game state at the moment of choosing a play. */
export interface GameState {
  /** Cards in hand, left to right. */
  readonly hand: readonly Card[];
  readonly jokers: readonly Joker[];
  readonly handLevels: Readonly<Partial<Record<HandType, number>>>;
  readonly handStats: Readonly<Partial<Record<HandType, Partial<HandStat>>>>;
  readonly context: RunContext;
  /** Score already made this round. */
  readonly roundScore: number;
  /**
   * The draw pile when known. When absent, blind odds draw from `unseen` (every card not
   * known to be elsewhere), taking `context.deckRemainingCount` of them.
   */
  readonly drawPile?: readonly Card[];
  /** Cards that may be in the draw pile (used when `drawPile` is absent). */
  readonly unseen?: readonly Card[];
}

/** A blind no boss effect applies to. */
export const SMALL_BLIND: Blind = {
  name: "Small Blind",
  chips: 300,
  mult: 1,
  boss: false,
  disabled: false,
};

/** Defaults: White stake, Red Deck, 4 hands, 4 discards, $0, hand size 8, 5 joker slots. */
export function defaultContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    deck: "Red Deck",
    stake: "White",
    ante: 1,
    blind: SMALL_BLIND,
    handsRemaining: 4,
    discardsRemaining: 4,
    money: 0,
    handSize: 8,
    jokerSlots: 5,
    consumableSlots: 2,
    deckRemainingCount: 44,
    fullDeckSize: 52,
    fullDeckCounts: {},
    consumables: [],
    vouchers: [],
    ...overrides,
  };
}
