// bestPlay: the 1–5 cards to play from the hand, their order and the joker order that maximise
// the score, with the top alternatives. Pure game logic: no I/O, no clock.

import { BusError } from "../errors.ts";
import type { Card } from "./cards.ts";
import type { PreparedCard } from "./card_rules.ts";
import { findJoker } from "./joker_catalog.ts";
import { bestJokerOrderPrepared, type Objective } from "./joker_order.ts";
import { AverageLuck, FixedLuck } from "./luck.ts";
import { runScoring } from "./pipeline.ts";
import {
  prepareCards,
  type PreparedJokers,
  type PreparedPlay,
  prepareJokers,
  preparePlay,
} from "./prepare.ts";
import { HAND_TYPES, type HandType } from "./hands.ts";
import type { GameState, Joker } from "./state.ts";

/** One candidate play. */
export interface PlayChoice {
  /** Hand positions (0-based) of the cards to play, in the order to play them. */
  readonly cards: readonly number[];
  readonly played: readonly Card[];
  readonly handType: HandType;
  /** Objective value: expected score ("mean") or guaranteed score ("min"). */
  readonly score: number;
  /** Guaranteed chips, mult and score (every chance effect failing). */
  readonly chips: number;
  readonly mult: number;
  readonly minScore: number;
  /** Joker order to use: indices into the state's jokers. */
  readonly jokerOrder: readonly number[];
}

/** Result of {@link bestPlay}. */
export interface BestPlayResult {
  readonly best: PlayChoice;
  /** The next best plays (distinct card sets), best first. */
  readonly alternatives: readonly PlayChoice[];
  /** Card subsets scored. */
  readonly subsets: number;
  /** Pipeline runs in total. */
  readonly evaluated: number;
}

/** Options for {@link bestPlay}. */
export interface BestPlayOptions {
  /** Number of alternatives besides the best (default 4). */
  readonly top?: number;
  /** What to maximise (default "mean"). */
  readonly objective?: Objective;
  /** Also search joker orders (default true). */
  readonly reorderJokers?: boolean;
  /** Also search the order of the played cards (default true). */
  readonly reorderCards?: boolean;
}

interface Candidate {
  cards: number[];
  score: number;
  jokerOrder: readonly number[];
}

/** All subsets of 1..max of `n` positions, as index arrays in increasing order. */
export function subsets(n: number, max = 5): number[][] {
  const out: number[][] = [];
  const pick: number[] = [];
  const walk = (start: number): void => {
    if (pick.length > 0) out.push(pick.slice());
    if (pick.length === max) return;
    for (let i = start; i < n; i++) {
      pick.push(i);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}

function* cardOrders(cards: readonly number[]): Generator<number[]> {
  if (cards.length <= 1) {
    yield cards.slice();
    return;
  }
  for (let i = 0; i < cards.length; i++) {
    const rest = [...cards.slice(0, i), ...cards.slice(i + 1)];
    for (const tail of cardOrders(rest)) yield [cards[i], ...tail];
  }
}

const ORDER_SENSITIVE_JOKERS = new Set([
  "Photograph",
  "Hanging Chad",
  "Triboulet",
  "The Idol",
  "Ancient Joker",
  "Bloodstone",
  "Hiker",
  "Wee Joker",
  "Lucky Cat",
]);

/** True when the order of the played cards can change the score. */
function cardOrderMatters(hand: readonly PreparedCard[], jokers: readonly Joker[]): boolean {
  if (hand.some((c) => c.enhancement === "glass" || c.edition === "polychrome")) return true;
  return jokers.some((j) => ORDER_SENSITIVE_JOKERS.has(findJoker(j.name)?.name ?? ""));
}

/** Scores one candidate with fixed jokers. */
function evaluate(
  play: PreparedPlay,
  jokers: PreparedJokers,
  hand: readonly PreparedCard[],
  cards: readonly number[],
  objective: Objective,
): number {
  const played = cards.map((i) => hand[i]);
  const held = hand.filter((_c, i) => !cards.includes(i));
  const luck = objective === "mean" ? new AverageLuck() : new FixedLuck(false);
  const run = runScoring({ play, jokers, played, held }, { luck });
  return objective === "mean" ? run.chips * run.mult : run.score;
}

/**
 * Finds the best 1–5 cards to play from the state's hand, with the best order of the played
 * cards and of the jokers, and the top alternatives.
 *
 * Every subset of up to 5 cards is scored with the current joker order (cards in hand order);
 * the best few are then refined by searching joker orders and played-card orders.
 *
 * @example
 * ```ts
 * const { best } = bestPlay(state);
 * best.cards; // hand positions to play
 * ```
 */
export function bestPlay(state: GameState, options: BestPlayOptions = {}): BestPlayResult {
  if (state.hand.length === 0) {
    throw new BusError("malformed", "Cannot choose a play: the hand is empty");
  }
  const objective = options.objective ?? "mean";
  const top = options.top ?? 4;
  const play = preparePlay(state);
  const hand = prepareCards(state.hand, play);
  const jokers = prepareJokers(state.jokers);
  const all = subsets(hand.length);
  let evaluated = 0;
  const ranked: Candidate[] = all.map((cards) => {
    evaluated++;
    return {
      cards,
      score: evaluate(play, jokers, hand, cards, objective),
      jokerOrder: state.jokers.map((_j, i) => i),
    };
  });
  ranked.sort((a, b) => b.score - a.score);

  const refineCount = Math.min(ranked.length, Math.max(top + 1, 3));
  const refined = ranked.slice(0, refineCount);
  const reorderCards = options.reorderCards !== false && cardOrderMatters(hand, state.jokers);
  for (const cand of refined) {
    if (reorderCards && cand.cards.length > 1) {
      for (const order of cardOrders(cand.cards)) {
        const s = evaluate(play, jokers, hand, order, objective);
        evaluated++;
        if (s > cand.score) {
          cand.score = s;
          cand.cards = order;
        }
      }
    }
    if (options.reorderJokers !== false && state.jokers.length > 1) {
      const played = cand.cards.map((i) => hand[i]);
      const held = hand.filter((_c, i) => !cand.cards.includes(i));
      const result = bestJokerOrderPrepared({ play, played, held, jokers: state.jokers }, {
        objective,
      });
      evaluated += result.evaluated;
      if (result.score > cand.score) {
        cand.score = result.score;
        cand.jokerOrder = result.order;
      }
    }
  }
  refined.sort((a, b) => b.score - a.score);
  const choices = [...refined, ...ranked.slice(refineCount)].slice(0, top + 1).map((cand) =>
    describe(play, hand, state.jokers, cand)
  );
  return {
    best: choices[0],
    alternatives: choices.slice(1),
    subsets: all.length,
    evaluated,
  };
}

function describe(
  play: PreparedPlay,
  hand: readonly PreparedCard[],
  jokers: readonly Joker[],
  cand: Candidate,
): PlayChoice {
  const played = cand.cards.map((i) => hand[i]);
  const held = hand.filter((_c, i) => !cand.cards.includes(i));
  const ordered = prepareJokers(cand.jokerOrder.map((i) => jokers[i]));
  const run = runScoring({ play, jokers: ordered, played, held }, {
    luck: new FixedLuck(false),
  });
  return {
    cards: cand.cards,
    played: played.map((c) => c.card),
    handType: HAND_TYPES[run.hand],
    score: cand.score,
    chips: run.chips,
    mult: run.mult,
    minScore: run.score,
    jokerOrder: cand.jokerOrder,
  };
}

/**
 * The best card subset with fixed jokers and cards in hand order (no refinement): the fast
 * search blind-odds simulations use at every decision.
 */
export function bestSubsetFast(
  play: PreparedPlay,
  jokers: PreparedJokers,
  hand: readonly PreparedCard[],
  objective: Objective = "mean",
): { cards: number[]; score: number } {
  let best: number[] = [0];
  let bestScore = -Infinity;
  for (const cards of subsets(hand.length)) {
    const s = evaluate(play, jokers, hand, cards, objective);
    if (s > bestScore) {
      bestScore = s;
      best = cards;
    }
  }
  return { cards: best, score: bestScore };
}
