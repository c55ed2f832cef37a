// Reads a BalatroMCP GAME_STATE payload (docs/mod-protocol.md#game-state-payload) into the engine's
// GameState: `{}` for empty lists, strings for numbers, missing or null fields all tolerated.
// Pure game logic: no I/O, no clock.

import { BusError } from "../errors.ts";
import { type Card, type Edition, EDITIONS, isRank, isSuit, makeCard } from "./cards.ts";
import type { HandStat, HandType } from "./hands.ts";
import { findJoker } from "./joker_catalog.ts";
import {
  type Blind,
  type Consumable,
  defaultContext,
  type GameState,
  type Joker,
  type JokerState,
} from "./state.ts";
import { readCard } from "./vector.ts";

/** What the payload does not carry, supplied by the caller. */
export interface GameStateExtras {
  /** Hand levels (the payload has none; default level 1). */
  readonly handLevels?: Readonly<Partial<Record<HandType, number>>>;
  readonly handStats?: Readonly<Partial<Record<HandType, Partial<HandStat>>>>;
  /** Joker state by joker position (0-based): x-mult, rotating targets, scaling values. */
  readonly jokerStates?: Readonly<Record<number, JokerState>>;
  /** Deck name (the payload does not say; default "Red Deck"). */
  readonly deck?: string;
  readonly stake?: string;
  readonly vouchers?: readonly string[];
  /** Boss disabled (Chicot is detected from the jokers). */
  readonly blindDisabled?: boolean;
  readonly jokerSlots?: number;
  readonly probabilitiesNormal?: number;
}

type Obj = Record<string, unknown>;

function asObj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Obj : {};
}

/** A list in the mod's encoding: an array, or `{}` for an empty one. */
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asNum(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : fallback;
}

function asEdition(value: unknown): Edition {
  const found = EDITIONS.find((e) => e === String(value ?? "").toLowerCase());
  return found ?? "none";
}

function byPosition(items: unknown[]): unknown[] {
  return items
    .map((item, i) => ({ item, pos: asNum(asObj(item).position, i) }))
    .sort((a, b) => a.pos - b.pos)
    .map((x) => x.item);
}

function readModCard(value: unknown, path: string): Card | null {
  const o = asObj(value);
  const rank = o.rank === "A" ? "Ace" : o.rank;
  if (!isRank(rank) || !isSuit(o.suit)) return null;
  try {
    return readCard({ ...o, rank }, path);
  } catch {
    return makeCard(rank, o.suit);
  }
}

/** Jokers whose current +mult the game keeps in the field the mod exports as `properties.mult`. */
const MULT_FIELD_JOKERS = new Set([
  "Green Joker",
  "Ride the Bus",
  "Spare Trousers",
  "Ceremonial Dagger",
  "Red Card",
  "Flash Card",
  "Popcorn",
  "Fortune Teller",
]);

/**
 * Reads an in-game GAME_STATE payload into a GameState. Cards and jokers are read in the shape
 * the mod sends; what the payload lacks (levels, joker x-mult, rotating targets, debuffs) comes
 * from `extras` or defaults. Swashbuckler's mult is the sum of the other jokers' sell values.
 *
 * @throws {TypeError} when the payload is not an in-game state
 */
export function readGameState(payload: unknown, extras: GameStateExtras = {}): GameState {
  const p = asObj(payload);
  if (p.in_game === false) {
    throw new BusError(
      "malformed",
      "Cannot read game state: the payload is out of game (in_game is false)",
    );
  }
  const hand = byPosition(asList(p.hand))
    .map((c, i) => readModCard(c, `hand[${i}]`))
    .filter((c): c is Card => c !== null);
  const rawJokers = byPosition(asList(p.jokers)).map(asObj);
  const sellValues = rawJokers.map((j) => asNum(asObj(j.properties).sell_value, 0));
  const jokers: Joker[] = rawJokers.map((j, i) => {
    const props = asObj(j.properties);
    const name = typeof j.name === "string" ? j.name : "unknown";
    const canonical = findJoker(name)?.name ?? name;
    let state: JokerState = {};
    if (MULT_FIELD_JOKERS.has(canonical) && props.mult !== undefined) {
      state = { mult: asNum(props.mult, 0) };
    } else if (canonical === "Swashbuckler") {
      state = { mult: sellValues.reduce((a, b, k) => (k === i ? a : a + b), 0) };
    }
    return {
      name,
      edition: asEdition(props.edition),
      state: { ...state, ...(extras.jokerStates?.[i] ?? {}) },
      sellValue: sellValues[i],
    };
  });
  const deck = asObj(p.deck);
  const fullDeck = asList(deck.full_deck)
    .map((c, i) => readModCard(c, `deck.full_deck[${i}]`))
    .filter((c): c is Card => c !== null);
  const counts: Record<string, number> = {};
  for (const card of fullDeck) {
    if (card.enhancement === "none") continue;
    counts[card.enhancement] = (counts[card.enhancement] ?? 0) + 1;
    counts.enhanced = (counts.enhanced ?? 0) + 1;
  }
  const consumables: Consumable[] = byPosition(asList(p.consumables)).map((c) => {
    const o = asObj(c);
    return {
      name: String(o.name ?? ""),
      cardType: String(o.card_type ?? ""),
      edition: asEdition(asObj(o.properties).edition),
    };
  });
  const rawBlind = p.blind === undefined || p.blind === null ? null : asObj(p.blind);
  const d = defaultContext();
  const blind: Blind = rawBlind === null ? d.blind : {
    name: String(rawBlind.name ?? "Small Blind"),
    chips: asNum(rawBlind.chips, 0),
    mult: asNum(rawBlind.mult, 1),
    boss: rawBlind.boss === true || rawBlind.boss === "true",
    disabled: extras.blindDisabled ?? false,
  };
  const inHandOrPlay = new Set(hand.map(cardKey));
  const unseen = fullDeck.filter((c) => {
    const key = cardKey(c);
    if (inHandOrPlay.has(key)) {
      inHandOrPlay.delete(key);
      return false;
    }
    return true;
  });
  return {
    hand,
    jokers,
    handLevels: extras.handLevels ?? {},
    handStats: extras.handStats ?? {},
    roundScore: asNum(p.chips, 0),
    unseen,
    context: {
      ...d,
      deck: extras.deck ?? d.deck,
      stake: extras.stake ?? d.stake,
      ante: asNum(p.ante, d.ante),
      blind,
      handsRemaining: asNum(p.hands_remaining, d.handsRemaining),
      discardsRemaining: asNum(p.discards_remaining, d.discardsRemaining),
      money: asNum(p.money, 0),
      handSize: Math.max(asNum(p.hand_size, d.handSize), hand.length),
      jokerSlots: extras.jokerSlots ??
        d.jokerSlots + jokers.filter((j) => j.edition === "negative").length,
      deckRemainingCount: asNum(deck.remaining_count, d.deckRemainingCount),
      fullDeckSize: fullDeck.length > 0 ? fullDeck.length : d.fullDeckSize,
      fullDeckCounts: counts,
      consumables,
      vouchers: extras.vouchers ?? [],
      probabilitiesNormal: extras.probabilitiesNormal,
      handsPlayedThisRound: asNum(p.hand_number, 0),
    },
  };
}

function cardKey(card: Card): string {
  return [card.rank, card.suit, card.enhancement, card.edition, card.seal].join("|");
}
