// Playing cards: ranks, suits, modifiers and the short notation ("AH", "10S").
// Pure game logic: no I/O, no clock. Unreadable input is a `malformed` BusError.
import { BusError } from "../errors.ts";

/** A suit as the mod spells it. */
export type Suit = "Spades" | "Hearts" | "Clubs" | "Diamonds";

/** A rank as the mod spells it. */
export type Rank =
  | "2"
  | "3"
  | "4"
  | "5"
  | "6"
  | "7"
  | "8"
  | "9"
  | "10"
  | "Jack"
  | "Queen"
  | "King"
  | "Ace";

/** Card enhancement (at most one per card). */
export type Enhancement =
  | "none"
  | "bonus"
  | "mult"
  | "wild"
  | "glass"
  | "steel"
  | "stone"
  | "gold"
  | "lucky";

/** Edition of a card or joker. */
export type Edition = "none" | "foil" | "holographic" | "polychrome" | "negative";

/** Seal, capitalised as the mod sends it. */
export type Seal = "none" | "Gold" | "Red" | "Blue" | "Purple";

/** A playing card in the engine. */
export interface Card {
  readonly rank: Rank;
  readonly suit: Suit;
  readonly enhancement: Enhancement;
  readonly edition: Edition;
  readonly seal: Seal;
  /** Debuffed by a boss, as given by the caller; the engine adds the current boss's own debuffs. */
  readonly debuffed: boolean;
  /** Permanent bonus chips (Hiker), added to the rank chips. */
  readonly bonusChips: number;
  /** Already played this ante (The Pillar debuffs it). */
  readonly playedThisAnte: boolean;
}

/** The four suits in the order the game checks flushes. */
export const SUITS: readonly Suit[] = ["Spades", "Hearts", "Clubs", "Diamonds"];

/** All ranks from 2 to Ace. */
export const RANKS: readonly Rank[] = [
  "2",
  "3",
  "4",
  "5",
  "6",
  "7",
  "8",
  "9",
  "10",
  "Jack",
  "Queen",
  "King",
  "Ace",
];

/** Enhancement names. */
export const ENHANCEMENTS: readonly Enhancement[] = [
  "none",
  "bonus",
  "mult",
  "wild",
  "glass",
  "steel",
  "stone",
  "gold",
  "lucky",
];

/** Edition names. */
export const EDITIONS: readonly Edition[] = [
  "none",
  "foil",
  "holographic",
  "polychrome",
  "negative",
];

/** Seal names. */
export const SEALS: readonly Seal[] = ["none", "Gold", "Red", "Blue", "Purple"];

const RANK_IDS: Readonly<Record<Rank, number>> = {
  "2": 2,
  "3": 3,
  "4": 4,
  "5": 5,
  "6": 6,
  "7": 7,
  "8": 8,
  "9": 9,
  "10": 10,
  Jack: 11,
  Queen: 12,
  King: 13,
  Ace: 14,
};

/** The game's rank id: 2–10, Jack 11, Queen 12, King 13, Ace 14. */
export function rankId(rank: Rank): number {
  return RANK_IDS[rank];
}

/** Chips a rank gives when scored: face value, 10 for J/Q/K, 11 for an Ace. */
export function rankChips(rank: Rank): number {
  const id = RANK_IDS[rank];
  return id === 14 ? 11 : id > 10 ? 10 : id;
}

/** Builds a card with defaults for every modifier. */
export function makeCard(rank: Rank, suit: Suit, extra: Partial<Card> = {}): Card {
  return {
    rank,
    suit,
    enhancement: extra.enhancement ?? "none",
    edition: extra.edition ?? "none",
    seal: extra.seal ?? "none",
    debuffed: extra.debuffed ?? false,
    bonusChips: extra.bonusChips ?? 0,
    playedThisAnte: extra.playedThisAnte ?? false,
  };
}

const SHORT_RANKS: Readonly<Record<string, Rank>> = {
  "2": "2",
  "3": "3",
  "4": "4",
  "5": "5",
  "6": "6",
  "7": "7",
  "8": "8",
  "9": "9",
  "10": "10",
  T: "10",
  J: "Jack",
  Q: "Queen",
  K: "King",
  A: "Ace",
};

const SHORT_SUITS: Readonly<Record<string, Suit>> = {
  S: "Spades",
  H: "Hearts",
  C: "Clubs",
  D: "Diamonds",
};

const SHORT_ENHANCEMENTS: Readonly<Record<string, Enhancement>> = {
  bonus: "bonus",
  mult: "mult",
  wild: "wild",
  glass: "glass",
  steel: "steel",
  stone: "stone",
  gold: "gold",
  lucky: "lucky",
};

const SHORT_EDITIONS: Readonly<Record<string, Edition>> = {
  foil: "foil",
  holo: "holographic",
  holographic: "holographic",
  poly: "polychrome",
  polychrome: "polychrome",
  negative: "negative",
};

const SHORT_SEALS: Readonly<Record<string, Seal>> = {
  red: "Red",
  gold: "Gold",
  blue: "Blue",
  purple: "Purple",
};

/**
 * Parses the short notation: rank (`2`–`10`, `T`, `J`, `Q`, `K`, `A`) then suit (`S H C D`),
 * optionally followed by `+modifier` parts: an enhancement (`+glass`), an edition (`+foil`,
 * `+holo`, `+poly`), a seal (`+red-seal`), `+debuffed`, or `+bonus:5` for permanent chips.
 *
 * @example
 * ```ts
 * parseCard("10H+glass+red-seal"); // Ten of Hearts, Glass, Red seal
 * ```
 * @throws {SyntaxError} when the text is not a card
 */
export function parseCard(text: string): Card {
  const [head, ...mods] = text.trim().split("+");
  const upper = head.toUpperCase();
  const suit = SHORT_SUITS[upper.slice(-1)];
  const rank = SHORT_RANKS[upper.slice(0, -1)];
  if (suit === undefined || rank === undefined) {
    throw new BusError(
      "malformed",
      `Cannot parse card "${text}": expected a rank and a suit such as "10H"`,
    );
  }
  let enhancement: Enhancement = "none";
  let edition: Edition = "none";
  let seal: Seal = "none";
  let debuffed = false;
  let bonusChips = 0;
  for (const raw of mods) {
    const mod = raw.toLowerCase();
    if (mod.endsWith("-seal") && SHORT_SEALS[mod.slice(0, -5)] !== undefined) {
      seal = SHORT_SEALS[mod.slice(0, -5)];
    } else if (SHORT_ENHANCEMENTS[mod] !== undefined) {
      enhancement = SHORT_ENHANCEMENTS[mod];
    } else if (SHORT_EDITIONS[mod] !== undefined) {
      edition = SHORT_EDITIONS[mod];
    } else if (mod === "debuffed") {
      debuffed = true;
    } else if (mod.startsWith("bonus:") && Number.isFinite(Number(mod.slice(6)))) {
      bonusChips = Number(mod.slice(6));
    } else {
      throw new BusError("malformed", `Cannot parse card "${text}": unknown modifier "${raw}"`);
    }
  }
  return makeCard(rank, suit, { enhancement, edition, seal, debuffed, bonusChips });
}

/** Parses a space- or comma-separated list of short-notation cards. */
export function parseCards(text: string): Card[] {
  return text.split(/[\s,]+/).filter((part) => part.length > 0).map(parseCard);
}

/** Formats a card in the short notation accepted by {@link parseCard}. */
export function formatCard(card: Card): string {
  const rank = card.rank === "10" ? "10" : card.rank.length > 1 ? card.rank[0] : card.rank;
  let out = rank + card.suit[0];
  if (card.enhancement !== "none") out += "+" + card.enhancement;
  if (card.edition !== "none") out += "+" + card.edition;
  if (card.seal !== "none") out += "+" + card.seal.toLowerCase() + "-seal";
  if (card.debuffed) out += "+debuffed";
  if (card.bonusChips !== 0) out += "+bonus:" + card.bonusChips;
  return out;
}

/** True for a known rank string. */
export function isRank(value: unknown): value is Rank {
  return typeof value === "string" && Object.hasOwn(RANK_IDS, value);
}

/** True for a known suit string. */
export function isSuit(value: unknown): value is Suit {
  return value === "Spades" || value === "Hearts" || value === "Clubs" || value === "Diamonds";
}
