// Reads plays in the test-vector JSON schema (tests/testdata/scoring/README.md) into engine
// inputs. Pure game logic: no I/O, no clock.

import { BusError } from "../errors.ts";
import {
  type Card,
  type Edition,
  EDITIONS,
  type Enhancement,
  ENHANCEMENTS,
  isRank,
  isSuit,
  makeCard,
  type Seal,
  SEALS,
} from "./cards.ts";
import { type HandStat, type HandType, isHandType } from "./hands.ts";
import type { Blind, Consumable, Joker, JokerState, Play, Rarity, RunContext } from "./state.ts";
import { defaultContext } from "./state.ts";

/** Expected outcome of a vector. */
export interface VectorOutcome {
  readonly chips: number;
  readonly mult: number;
  readonly score: number;
}

/** Expected result of a vector (deterministic values, or bounds for chance vectors). */
export interface VectorExpected {
  readonly handType: HandType;
  readonly chips?: number;
  readonly mult?: number;
  readonly score?: number;
  readonly handBlocked: boolean;
  readonly min?: VectorOutcome;
  readonly max?: VectorOutcome;
  readonly mean?: VectorOutcome;
}

/** A test vector: its id, the play, and (when present) the expected result. */
export interface Vector {
  readonly id: string;
  readonly description: string;
  readonly play: Play;
  readonly luck: "none" | "bounds";
  readonly expected: VectorExpected | null;
  /** Relative tolerance for huge values (0 = exact). */
  readonly tolerance: number;
}

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new BusError("malformed", `Cannot read vector: ${path} ${what}`);
}

function obj(value: unknown, path: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, "must be an object");
  }
  return value as Obj;
}

/** A list; `{}` counts as an empty list (the mod's encoding). */
function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object" && Object.keys(value as Obj).length === 0) return [];
  fail(path, "must be a list");
}

function num(value: unknown, path: string, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    fail(path, "is missing");
  }
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) fail(path, "must be a number");
  return n;
}

function str(value: unknown, path: string, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    fail(path, "is missing");
  }
  if (typeof value !== "string") fail(path, "must be a string");
  return value;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  path: string,
  fallback: T,
): T {
  if (value === undefined || value === null) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === String(value).toLowerCase());
  if (found === undefined) fail(path, `must be one of ${allowed.join(", ")}: got "${value}"`);
  return found;
}

/** Reads a card in the mod/vector shape. */
export function readCard(value: unknown, path: string): Card {
  const o = obj(value, path);
  const rank = o.rank === "A" ? "Ace" : o.rank;
  if (!isRank(rank)) fail(`${path}.rank`, `is not a rank: "${String(o.rank)}"`);
  if (!isSuit(o.suit)) fail(`${path}.suit`, `is not a suit: "${String(o.suit)}"`);
  return makeCard(rank, o.suit, {
    enhancement: oneOf<Enhancement>(o.enhancement, ENHANCEMENTS, `${path}.enhancement`, "none"),
    edition: oneOf<Edition>(o.edition, EDITIONS, `${path}.edition`, "none"),
    seal: oneOf<Seal>(o.seal, SEALS, `${path}.seal`, "none"),
    debuffed: o.debuffed === true || o.debuffed === "true",
    bonusChips: num(o.bonus_chips ?? o.perma_bonus, `${path}.bonus_chips`, 0),
    playedThisAnte: o.played_this_ante === true || o.played_this_ante === "true",
  });
}

const RARITIES: readonly Rarity[] = ["Common", "Uncommon", "Rare", "Legendary"];

function readState(value: unknown, path: string): JokerState {
  if (value === undefined || value === null) return {};
  const o = obj(value, path);
  const out: Record<string, number | string> = {};
  for (const [key, v] of Object.entries(o)) {
    if (typeof v === "number" || typeof v === "string") out[key] = v;
  }
  for (const key of ["mult", "chips", "x_mult", "hands_remaining", "remaining"] as const) {
    if (out[key] !== undefined) out[key] = num(out[key], `${path}.${key}`);
  }
  return out as JokerState;
}

/** Reads a joker in the vector shape (`state` is the value before the hand). */
export function readJoker(value: unknown, path: string): Joker {
  const o = obj(value, path);
  const rarity = o.rarity === undefined
    ? undefined
    : oneOf<Rarity>(o.rarity, RARITIES, `${path}.rarity`, "Common");
  return {
    name: str(o.name, `${path}.name`),
    rarity,
    edition: oneOf<Edition>(o.edition, EDITIONS, `${path}.edition`, "none"),
    state: readState(o.state, `${path}.state`),
    debuffed: o.debuffed === true,
  };
}

function readBlind(value: unknown, path: string): Blind {
  const o = obj(value, path);
  return {
    name: str(o.name, `${path}.name`),
    chips: num(o.chips, `${path}.chips`, 0),
    mult: num(o.mult, `${path}.mult`, 1),
    boss: o.boss === true,
    disabled: o.disabled === true,
  };
}

function readConsumable(value: unknown, path: string): Consumable {
  const o = obj(value, path);
  return {
    name: str(o.name, `${path}.name`),
    cardType: str(o.card_type, `${path}.card_type`, ""),
    edition: oneOf<Edition>(o.edition, EDITIONS, `${path}.edition`, "none"),
  };
}

/** Reads a vector `context` (every field optional; defaults as in the fixture README). */
export function readContext(value: unknown, path: string): RunContext {
  const o = value === undefined ? {} : obj(value, path);
  const d = defaultContext();
  const counts: Record<string, number> = {};
  if (o.full_deck_counts !== undefined) {
    for (const [k, v] of Object.entries(obj(o.full_deck_counts, `${path}.full_deck_counts`))) {
      counts[k] = num(v, `${path}.full_deck_counts.${k}`);
    }
  }
  return {
    deck: str(o.deck, `${path}.deck`, d.deck),
    stake: str(o.stake, `${path}.stake`, d.stake),
    ante: num(o.ante, `${path}.ante`, d.ante),
    blind: o.blind === undefined ? d.blind : readBlind(o.blind, `${path}.blind`),
    handsRemaining: num(o.hands_remaining, `${path}.hands_remaining`, d.handsRemaining),
    discardsRemaining: num(o.discards_remaining, `${path}.discards_remaining`, d.discardsRemaining),
    money: num(o.money, `${path}.money`, d.money),
    handSize: num(o.hand_size, `${path}.hand_size`, d.handSize),
    jokerSlots: num(o.joker_slots, `${path}.joker_slots`, d.jokerSlots),
    consumableSlots: num(o.consumable_slots, `${path}.consumable_slots`, d.consumableSlots),
    deckRemainingCount: num(
      o.deck_remaining_count,
      `${path}.deck_remaining_count`,
      d.deckRemainingCount,
    ),
    fullDeckSize: num(o.full_deck_size, `${path}.full_deck_size`, d.fullDeckSize),
    fullDeckCounts: counts,
    consumables: list(o.consumables, `${path}.consumables`).map((c, i) =>
      readConsumable(c, `${path}.consumables[${i}]`)
    ),
    vouchers: list(o.vouchers, `${path}.vouchers`).map((v, i) => str(v, `${path}.vouchers[${i}]`)),
    probabilitiesNormal: o.probabilities_normal === undefined
      ? undefined
      : num(o.probabilities_normal, `${path}.probabilities_normal`),
  };
}

function readLevels(value: unknown, path: string): Partial<Record<HandType, number>> {
  const out: Partial<Record<HandType, number>> = {};
  if (value === undefined) return out;
  for (const [k, v] of Object.entries(obj(value, path))) {
    if (!isHandType(k)) fail(`${path}`, `has an unknown hand "${k}"`);
    out[k] = num(v, `${path}.${k}`);
  }
  return out;
}

function readStats(value: unknown, path: string): Partial<Record<HandType, Partial<HandStat>>> {
  const out: Partial<Record<HandType, Partial<HandStat>>> = {};
  if (value === undefined) return out;
  for (const [k, v] of Object.entries(obj(value, path))) {
    if (!isHandType(k)) fail(`${path}`, `has an unknown hand "${k}"`);
    const s = obj(v, `${path}.${k}`);
    out[k] = {
      played: num(s.played, `${path}.${k}.played`, 0),
      playedThisRound: num(s.played_this_round, `${path}.${k}.played_this_round`, 0),
    };
  }
  return out;
}

function readOutcome(value: unknown, path: string): VectorOutcome | undefined {
  if (value === undefined) return undefined;
  const o = obj(value, path);
  return {
    chips: num(o.chips, `${path}.chips`),
    mult: num(o.mult, `${path}.mult`),
    score: num(o.score, `${path}.score`),
  };
}

function readExpected(value: unknown, path: string): VectorExpected | null {
  if (value === undefined) return null;
  const o = obj(value, path);
  const handType = o.hand_type;
  if (!isHandType(handType)) fail(`${path}.hand_type`, `is not a hand type: "${String(handType)}"`);
  return {
    handType,
    chips: o.chips === undefined ? undefined : num(o.chips, `${path}.chips`),
    mult: o.mult === undefined ? undefined : num(o.mult, `${path}.mult`),
    score: o.score === undefined ? undefined : num(o.score, `${path}.score`),
    handBlocked: o.hand_blocked === true,
    min: readOutcome(o.min, `${path}.min`),
    max: readOutcome(o.max, `${path}.max`),
    mean: readOutcome(o.mean, `${path}.mean`),
  };
}

/**
 * Reads one vector object. Only `played` is required; everything else defaults as the fixture
 * README says.
 *
 * @throws {SyntaxError} naming the first field that cannot be read
 */
export function readVector(value: unknown, index = 0): Vector {
  const o = obj(value, `vector ${index + 1}`);
  const id = o.id === undefined ? `#${index + 1}` : String(o.id);
  const path = `vector ${id}`;
  const played = list(o.played, `${path}.played`).map((c, i) =>
    readCard(c, `${path}.played[${i}]`)
  );
  if (played.length === 0 || played.length > 5) {
    fail(`${path}.played`, `must hold 1 to 5 cards: got ${played.length}`);
  }
  const tolerance = o.tolerance === undefined
    ? 0
    : num(obj(o.tolerance, `${path}.tolerance`).relative, `${path}.tolerance.relative`, 0);
  return {
    id,
    description: o.description === undefined ? "" : String(o.description),
    play: {
      played,
      held: list(o.held, `${path}.held`).map((c, i) => readCard(c, `${path}.held[${i}]`)),
      jokers: list(o.jokers, `${path}.jokers`).map((j, i) => readJoker(j, `${path}.jokers[${i}]`)),
      handLevels: readLevels(o.hand_levels, `${path}.hand_levels`),
      handStats: readStats(o.hand_stats, `${path}.hand_stats`),
      context: readContext(o.context, `${path}.context`),
    },
    luck: o.luck === "bounds" ? "bounds" : "none",
    expected: readExpected(o.expected, `${path}.expected`),
    tolerance,
  };
}

/** Reads a single vector or an array of vectors. */
export function readVectors(value: unknown): Vector[] {
  return Array.isArray(value) ? value.map((v, i) => readVector(v, i)) : [readVector(value)];
}
