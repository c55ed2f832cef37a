// Poker hand types, their precedence and their level tables.
// Pure game logic: no I/O, no clock.

/** The twelve poker hands ("Royal Flush" is only a label of Straight Flush). */
export type HandType =
  | "Flush Five"
  | "Flush House"
  | "Five of a Kind"
  | "Straight Flush"
  | "Four of a Kind"
  | "Full House"
  | "Flush"
  | "Straight"
  | "Three of a Kind"
  | "Two Pair"
  | "Pair"
  | "High Card";

/** Hand types in precedence order: index 0 is checked first. */
export const HAND_TYPES: readonly HandType[] = [
  "Flush Five",
  "Flush House",
  "Five of a Kind",
  "Straight Flush",
  "Four of a Kind",
  "Full House",
  "Flush",
  "Straight",
  "Three of a Kind",
  "Two Pair",
  "Pair",
  "High Card",
];

/** Index of each hand type in {@link HAND_TYPES}; bit `1 << index` in a contains-mask. */
export const HAND_INDEX: Readonly<Record<HandType, number>> = {
  "Flush Five": 0,
  "Flush House": 1,
  "Five of a Kind": 2,
  "Straight Flush": 3,
  "Four of a Kind": 4,
  "Full House": 5,
  "Flush": 6,
  "Straight": 7,
  "Three of a Kind": 8,
  "Two Pair": 9,
  "Pair": 10,
  "High Card": 11,
};

/** Base chips/mult at level 1 and the steps per level. */
export interface HandTable {
  readonly chips: number;
  readonly mult: number;
  readonly chipStep: number;
  readonly multStep: number;
  readonly planet: string;
  /** Secret hands are not visible (Obelisk ignores them until played). */
  readonly secret: boolean;
}

/** Level tables, indexed like {@link HAND_TYPES}. */
export const HAND_TABLES: readonly HandTable[] = [
  { chips: 160, mult: 16, chipStep: 50, multStep: 3, planet: "Eris", secret: true },
  { chips: 140, mult: 14, chipStep: 40, multStep: 4, planet: "Ceres", secret: true },
  { chips: 120, mult: 12, chipStep: 35, multStep: 3, planet: "Planet X", secret: true },
  { chips: 100, mult: 8, chipStep: 40, multStep: 4, planet: "Neptune", secret: false },
  { chips: 60, mult: 7, chipStep: 30, multStep: 3, planet: "Mars", secret: false },
  { chips: 40, mult: 4, chipStep: 25, multStep: 2, planet: "Earth", secret: false },
  { chips: 35, mult: 4, chipStep: 15, multStep: 2, planet: "Jupiter", secret: false },
  { chips: 30, mult: 4, chipStep: 30, multStep: 3, planet: "Saturn", secret: false },
  { chips: 30, mult: 3, chipStep: 20, multStep: 2, planet: "Venus", secret: false },
  { chips: 20, mult: 2, chipStep: 20, multStep: 1, planet: "Uranus", secret: false },
  { chips: 10, mult: 2, chipStep: 15, multStep: 1, planet: "Mercury", secret: false },
  { chips: 5, mult: 1, chipStep: 10, multStep: 1, planet: "Pluto", secret: false },
];

/** Chips of a hand at a level: max(0, base + step × (level − 1)). */
export function handChips(hand: number, level: number): number {
  const t = HAND_TABLES[hand];
  return Math.max(0, t.chips + t.chipStep * (level - 1));
}

/** Mult of a hand at a level: max(1, base + step × (level − 1)). */
export function handMult(hand: number, level: number): number {
  const t = HAND_TABLES[hand];
  return Math.max(1, t.mult + t.multStep * (level - 1));
}

/** True for a known hand type name. */
export function isHandType(value: unknown): value is HandType {
  return typeof value === "string" && Object.hasOwn(HAND_INDEX, value);
}

/** Per-hand-type counters before the hand is played. */
export interface HandStat {
  readonly played: number;
  readonly playedThisRound: number;
}
