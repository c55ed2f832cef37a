// Prepared cards and the game's card predicates (suit checks, face checks), shaped by the
// rule-changing jokers. Pure game logic: no I/O, no clock.

import {
  type Card,
  type Edition,
  type Enhancement,
  rankChips,
  rankId,
  type Seal,
  type Suit,
} from "./cards.ts";

/** Which rule-changing jokers are active (non-debuffed and owned). */
export interface HandRules {
  /** Four Fingers: flushes and straights with 4 cards. */
  readonly fourFingers: boolean;
  /** Shortcut: straights may skip one rank between neighbours. */
  readonly shortcut: boolean;
  /** Smeared Joker: Hearts ≡ Diamonds and Spades ≡ Clubs. */
  readonly smeared: boolean;
  /** Splash: every played card scores. */
  readonly splash: boolean;
  /** Pareidolia: every card is a face card. */
  readonly pareidolia: boolean;
}

/** Rules with no rule-changing joker. */
export const DEFAULT_RULES: HandRules = {
  fourFingers: false,
  shortcut: false,
  smeared: false,
  splash: false,
  pareidolia: false,
};

/**
 * A card prepared for scoring: numeric rank id, rank chips, and the final debuff flag.
 * `enhancement` and `bonus` change only on a per-run copy (Vampire, Midas Mask, Hiker).
 */
export interface PreparedCard {
  readonly card: Card;
  /** Position in its list (played cards: table order; held cards: hand order). */
  readonly pos: number;
  /** Rank id 2–14; 0 for a Stone card (no rank). */
  readonly id: number;
  /** Chips of the printed rank (a Stone card ignores them while it is Stone). */
  readonly nominal: number;
  readonly suit: Suit;
  enhancement: Enhancement;
  readonly edition: Edition;
  readonly seal: Seal;
  readonly debuffed: boolean;
  bonus: number;
}

/** Prepares a card; `debuffed` is the final flag (the caller's flag or the boss's). */
export function prepareCard(card: Card, pos: number, debuffed: boolean): PreparedCard {
  const stone = card.enhancement === "stone";
  return {
    card,
    pos,
    id: stone ? 0 : rankId(card.rank),
    nominal: rankChips(card.rank),
    suit: card.suit,
    enhancement: card.enhancement,
    edition: card.edition,
    seal: card.seal,
    debuffed,
    bonus: card.bonusChips,
  };
}

/** A per-run copy of a prepared card (for jokers that change cards during scoring). */
export function cloneCard(card: PreparedCard): PreparedCard {
  return { ...card };
}

function isRed(suit: Suit): boolean {
  return suit === "Hearts" || suit === "Diamonds";
}

/**
 * The suit check used for flushes and for the printed-suit reads (Blackboard): Stone matches
 * nothing, a non-debuffed Wild matches everything, Smeared joins same-colour suits.
 */
export function flushSuit(card: PreparedCard, suit: Suit, rules: HandRules): boolean {
  if (card.enhancement === "stone") return false;
  if (card.enhancement === "wild" && !card.debuffed) return true;
  if (rules.smeared && isRed(card.suit) === isRed(suit)) return true;
  return card.suit === suit;
}

/**
 * The suit check jokers use: a debuffed card has no suit (unless `bypassDebuff`), Stone has
 * none, Wild has every suit, Smeared joins same-colour suits.
 */
export function hasSuit(
  card: PreparedCard,
  suit: Suit,
  rules: HandRules,
  bypassDebuff = false,
): boolean {
  if (card.debuffed && !bypassDebuff) return false;
  if (card.enhancement === "stone") return false;
  if (card.enhancement === "wild") return true;
  if (rules.smeared && isRed(card.suit) === isRed(suit)) return true;
  return card.suit === suit;
}

/** Face-card check: J/Q/K, or any card with Pareidolia; a debuffed card is not a face unless `fromBoss`. */
export function isFace(card: PreparedCard, rules: HandRules, fromBoss = false): boolean {
  if (card.debuffed && !fromBoss) return false;
  return rules.pareidolia || (card.id >= 11 && card.id <= 13);
}

/** Base chips a card adds when scored: rank chips + permanent bonus (+30 Bonus, +50 Stone). */
export function cardChips(card: PreparedCard): number {
  if (card.enhancement === "stone") return card.bonus + 50;
  const base = card.nominal + card.bonus;
  return card.enhancement === "bonus" ? base + 30 : base;
}
