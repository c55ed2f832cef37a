// blindOdds: the probability of reaching the blind's required score with the hands and discards
// left, by seeded Monte Carlo over the unseen cards under a stated play/discard policy.
// Pure game logic: no I/O, no clock.

import type { Card } from "./cards.ts";
import type { PreparedCard } from "./card_rules.ts";
import { bestSubsetFast } from "./best_play.ts";
import { HAND_TYPES, type HandStat, type HandType } from "./hands.ts";
import { findJoker } from "./joker_catalog.ts";
import { createRng, type Rng, SampledLuck } from "./luck.ts";
import { runScoring } from "./pipeline.ts";
import { prepareCards, prepareJokers, preparePlay } from "./prepare.ts";
import type { GameState, Joker } from "./state.ts";

/** The play/discard policy every simulated round follows. */
export const GREEDY_POLICY =
  "greedy: each turn take the subset of up to 5 cards with the highest expected score (jokers " +
  "in the given order, cards in hand order); play it if it reaches the remaining requirement, " +
  "or if it keeps pace (expected score × hands left ≥ remaining), or when no discard is left; " +
  "otherwise discard up to 5 cards outside that subset, lowest keep value first (keep value: " +
  "rank pairs, then suit count, then rank); draw back to the hand size from a shuffled pile; " +
  "chance effects are sampled; joker values grown during a hand carry to the next.";

/** Options for {@link blindOdds}. */
export interface BlindOddsOptions {
  /** Simulated rounds (default 400). */
  readonly samples?: number;
  /** Seed of the generator (default 1): the same seed gives the same estimate. */
  readonly seed?: number | string;
}

/** The estimate. */
export interface BlindOddsResult {
  /** Estimated probability of beating the blind. */
  readonly probability: number;
  /** 95% Wilson score interval. */
  readonly low: number;
  readonly high: number;
  /** Rounds simulated (0 when the answer is certain without simulation). */
  readonly samples: number;
  readonly wins: number;
  /** Score still needed. */
  readonly needed: number;
  readonly seed: number | string;
  readonly policy: string;
}

/** 95% Wilson score interval for `wins` out of `n`. */
export function wilson(wins: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = wins / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [wins === 0 ? 0 : Math.max(0, centre - half), wins === n ? 1 : Math.min(1, centre + half)];
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Cards to discard: up to 5 outside `keep`, lowest keep value first. */
function chooseDiscards(hand: readonly Card[], keep: readonly number[]): number[] {
  const rankCount = new Map<string, number>();
  const suitCount = new Map<string, number>();
  for (const c of hand) {
    rankCount.set(c.rank, (rankCount.get(c.rank) ?? 0) + 1);
    suitCount.set(c.suit, (suitCount.get(c.suit) ?? 0) + 1);
  }
  const value = (c: Card): number =>
    ((rankCount.get(c.rank) ?? 1) - 1) * 100 + (suitCount.get(c.suit) ?? 0) * 10 +
    RANK_ORDER.indexOf(c.rank) / 13;
  return hand.map((_c, i) => i)
    .filter((i) => !keep.includes(i))
    .sort((a, b) => value(hand[a]) - value(hand[b]))
    .slice(0, 5);
}

const RANK_ORDER = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "Jack", "Queen", "King", "Ace"];

interface Sim {
  hand: Card[];
  pile: Card[];
  hands: number;
  discards: number;
  total: number;
  jokers: Joker[];
  stats: Partial<Record<HandType, Partial<HandStat>>>;
}

/**
 * Estimates the probability of reaching the blind's required score from `state` with the hands
 * and discards left, simulating `samples` rounds under {@link GREEDY_POLICY}.
 *
 * @example
 * ```ts
 * const odds = blindOdds(state, { samples: 400, seed: 7 });
 * odds.probability; // e.g. 0.62, with odds.low / odds.high as a 95% interval
 * ```
 */
export function blindOdds(state: GameState, options: BlindOddsOptions = {}): BlindOddsResult {
  const samples = options.samples ?? 400;
  const seed = options.seed ?? 1;
  const target = state.context.blind.chips;
  const needed = Math.max(0, target - state.roundScore);
  const certain = (p: number): BlindOddsResult => ({
    probability: p,
    low: p,
    high: p,
    samples: 0,
    wins: 0,
    needed,
    seed,
    policy: GREEDY_POLICY,
  });
  if (needed <= 0) return certain(1);
  if (state.context.handsRemaining <= 0 || state.hand.length === 0) return certain(0);

  const rng = createRng(seed);
  let wins = 0;
  for (let s = 0; s < samples; s++) {
    if (simulate(state, rng) >= target) wins++;
  }
  const [low, high] = wilson(wins, samples);
  return {
    probability: wins / samples,
    low,
    high,
    samples,
    wins,
    needed,
    seed,
    policy: GREEDY_POLICY,
  };
}

function drawPile(state: GameState, rng: Rng): Card[] {
  if (state.drawPile !== undefined) return shuffle(state.drawPile.slice(), rng);
  const unseen = shuffle((state.unseen ?? []).slice(), rng);
  return unseen.slice(0, Math.max(0, state.context.deckRemainingCount));
}

/** Simulates one round; returns the round total reached. */
function simulate(state: GameState, rng: Rng): number {
  const sim: Sim = {
    hand: state.hand.slice(),
    pile: drawPile(state, rng),
    hands: state.context.handsRemaining,
    discards: state.context.discardsRemaining,
    total: state.roundScore,
    jokers: state.jokers.slice(),
    stats: structuredClone(state.handStats) as Sim["stats"],
  };
  const target = state.context.blind.chips;
  const luck = new SampledLuck(rng);
  while (sim.hands > 0 && sim.total < target && sim.hand.length > 0) {
    const context = {
      ...state.context,
      handsRemaining: sim.hands,
      discardsRemaining: sim.discards,
      deckRemainingCount: sim.pile.length,
    };
    const play = preparePlay({ ...state, jokers: sim.jokers, handStats: sim.stats, context });
    const jokers = prepareJokers(sim.jokers);
    const hand: PreparedCard[] = prepareCards(sim.hand, play);
    const choice = bestSubsetFast(play, jokers, hand);
    const remaining = target - sim.total;
    const playNow = choice.score >= remaining || sim.discards <= 0 ||
      choice.score * sim.hands >= remaining;
    const discards = playNow ? [] : chooseDiscards(sim.hand, choice.cards);
    if (discards.length === 0) {
      const played = choice.cards.map((i) => hand[i]);
      const held = hand.filter((_c, i) => !choice.cards.includes(i));
      const run = runScoring({ play, jokers, played, held }, { luck });
      sim.total += run.score;
      sim.hands--;
      const name = HAND_TYPES[run.hand];
      const stat = sim.stats[name] ?? {};
      sim.stats[name] = {
        played: (stat.played ?? 0) + 1,
        playedThisRound: (stat.playedThisRound ?? 0) + 1,
      };
      sim.jokers = carryJokerValues(sim.jokers, run.vals);
      sim.hand = sim.hand.filter((_c, i) => !choice.cards.includes(i));
    } else {
      sim.discards--;
      sim.hand = sim.hand.filter((_c, i) => !discards.includes(i));
    }
    while (sim.hand.length < state.context.handSize && sim.pile.length > 0) {
      sim.hand.push(sim.pile.pop()!);
    }
  }
  return sim.total;
}

/** Jokers with the values they reached during a hand (Green Joker, Wee Joker, Obelisk…). */
function carryJokerValues(jokers: readonly Joker[], vals: readonly number[]): Joker[] {
  return jokers.map((joker, i) => {
    const key = findJoker(joker.name)?.valueKey;
    if (key === undefined || joker.state[key] === vals[i]) return joker;
    return { ...joker, state: { ...joker.state, [key]: vals[i] } };
  });
}
