// bestJokerOrder: the joker order that maximises a play's score, and how much it gains.
// Pure game logic: no I/O, no clock.

import type { PreparedCard } from "./card_rules.ts";
import { findJoker } from "./joker_catalog.ts";
import { AverageLuck, FixedLuck, type Luck } from "./luck.ts";
import { runScoring } from "./pipeline.ts";
import { prepareCards, type PreparedPlay, prepareJokers, preparePlay } from "./prepare.ts";
import type { Joker, Play } from "./state.ts";

/** What to maximise: the expected score (chance at its average) or the guaranteed one. */
export type Objective = "mean" | "min";

/** Options for {@link bestJokerOrder}. */
export interface JokerOrderOptions {
  readonly objective?: Objective;
  /** Most orders scored by exhaustive search (default 720); beyond it a local search runs. */
  readonly maxOrders?: number;
}

/** The best joker order for a play. */
export interface JokerOrderResult {
  /** Indices into the given jokers, left to right. */
  readonly order: readonly number[];
  readonly jokers: readonly Joker[];
  /** Score with the best order (objective value, floored for "min"). */
  readonly score: number;
  /** Score with the given order. */
  readonly baseline: number;
  /** score − baseline (never negative). */
  readonly gain: number;
  /** Orders scored. */
  readonly evaluated: number;
  /** True when every order that can matter was tried. */
  readonly exhaustive: boolean;
}

/** How a joker's position matters in this line-up. */
type Placement = "front" | "ordered" | "back";

/**
 * Splits jokers into those best placed first (only add mult), those whose relative order
 * matters (multiply, copy, Polychrome, Baseball reactions) and those with no positional effect.
 * With Blueprint or Brainstorm present every joker's position matters.
 */
export function placements(jokers: readonly Joker[]): Placement[] {
  const defs = jokers.map((j) => findJoker(j.name));
  const live = (i: number) => !jokers[i].debuffed;
  const copier = defs.some((d, i) =>
    live(i) && (d?.name === "Blueprint" || d?.name === "Brainstorm")
  );
  const baseball = defs.some((d, i) => live(i) && d?.name === "Baseball Card");
  return jokers.map((joker, i): Placement => {
    if (copier) return "ordered";
    const def = defs[i];
    const rarity = joker.rarity ?? def?.rarity;
    if (baseball && rarity === "Uncommon") return "ordered";
    if (joker.debuffed) return "back";
    if (joker.edition === "polychrome") return "ordered";
    if (def?.kind === "ordered") return "ordered";
    if (def?.kind === "additive" || joker.edition === "holographic") return "front";
    return "back";
  });
}

/** A prepared play's cards with the jokers to order. */
export interface OrderInput {
  readonly play: PreparedPlay;
  readonly played: readonly PreparedCard[];
  readonly held: readonly PreparedCard[];
  readonly jokers: readonly Joker[];
}

/** Scores a prepared play with its jokers in the given order (objective value). */
export function scoreOrder(input: OrderInput, objective: Objective): number {
  const luck: Luck = objective === "mean" ? new AverageLuck() : new FixedLuck(false);
  const run = runScoring({ ...input, jokers: prepareJokers(input.jokers) }, { luck });
  return objective === "mean" ? run.chips * run.mult : run.score;
}

function* permutations(items: readonly number[]): Generator<number[]> {
  const a = items.slice();
  const n = a.length;
  const c = new Array<number>(n).fill(0);
  yield a.slice();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [a[k], a[i]] = [a[i], a[k]];
      yield a.slice();
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

function signature(joker: Joker): string {
  return JSON.stringify([joker.name, joker.edition, joker.rarity, joker.debuffed, joker.state]);
}

/**
 * Finds the joker order that maximises the score of `play`'s cards, trying every order that
 * can matter (identical jokers are not permuted among themselves) or, when there are too many,
 * a local search from the best heuristic order.
 */
export function bestJokerOrderPrepared(
  input: OrderInput,
  options: JokerOrderOptions = {},
): JokerOrderResult {
  const { jokers } = input;
  const objective = options.objective ?? "mean";
  const maxOrders = options.maxOrders ?? 720;
  const n = jokers.length;
  const identity = jokers.map((_j, i) => i);
  const evaluate = (order: readonly number[]): number =>
    scoreOrder({ ...input, jokers: order.map((i) => jokers[i]) }, objective);
  const baseline = evaluate(identity);
  let best = { order: identity as readonly number[], score: baseline };
  let evaluated = 1;
  const consider = (order: readonly number[]): void => {
    const s = evaluate(order);
    evaluated++;
    if (s > best.score) best = { order: order.slice(), score: s };
  };

  const place = placements(jokers);
  const front = identity.filter((i) => place[i] === "front");
  const ordered = identity.filter((i) => place[i] === "ordered");
  const back = identity.filter((i) => place[i] === "back");
  let exhaustive = true;
  if (n > 1) {
    if (factorial(ordered.length) <= maxOrders) {
      const seen = new Set<string>();
      for (const perm of permutations(ordered)) {
        const key = perm.map((i) => signature(jokers[i])).join("\u0000");
        if (seen.has(key)) continue;
        seen.add(key);
        consider([...front, ...perm, ...back]);
      }
    } else {
      exhaustive = false;
      // Local search: start from the given relative order, move one joker at a time.
      let current = [...front, ...ordered, ...back];
      consider(current);
      let improved = true;
      while (improved && evaluated < maxOrders * 4) {
        improved = false;
        for (let from = 0; from < n && !improved; from++) {
          for (let to = 0; to < n && !improved; to++) {
            if (from === to) continue;
            const next = current.slice();
            const [moved] = next.splice(from, 1);
            next.splice(to, 0, moved);
            const before = best.score;
            consider(next);
            if (best.score > before) {
              current = next;
              improved = true;
            }
          }
        }
      }
    }
  }
  return {
    order: best.order,
    jokers: best.order.map((i) => jokers[i]),
    score: best.score,
    baseline,
    gain: best.score - baseline,
    evaluated,
    exhaustive,
  };
}

/**
 * The joker order that maximises the score of a play, and how much it gains over the given
 * order.
 *
 * @example
 * ```ts
 * const result = bestJokerOrder(play);
 * result.order; // e.g. [1, 0]: move the second joker first
 * ```
 */
export function bestJokerOrder(play: Play, options: JokerOrderOptions = {}): JokerOrderResult {
  const prepared = preparePlay(play);
  return bestJokerOrderPrepared({
    play: prepared,
    played: prepareCards(play.played, prepared),
    held: prepareCards(play.held, prepared),
    jokers: play.jokers,
  }, options);
}
