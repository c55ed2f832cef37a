// score(play): hand type, chips, mult, score, the step-by-step breakdown, and for chance effects
// the minimum, maximum and expected value. Pure game logic: no I/O, no clock.

import { BusError } from "../errors.ts";
import type { Step } from "./breakdown.ts";
import { HAND_TYPES, type HandType } from "./hands.ts";
import { AverageLuck, createRng, FixedLuck, type Luck, SampledLuck, ScriptedLuck } from "./luck.ts";
import { type RunOutcome, runScoring } from "./pipeline.ts";
import {
  prepareCards,
  type PreparedJokers,
  type PreparedPlay,
  prepareJokers,
  preparePlay,
} from "./prepare.ts";
import type { PreparedCard } from "./card_rules.ts";
import type { Play } from "./state.ts";

/** Chips, mult and floored score of one outcome. */
export interface Outcome {
  readonly chips: number;
  readonly mult: number;
  readonly score: number;
}

/** Bounds and expectation when chance effects are involved. */
export interface ChanceSummary {
  /** No chance effect succeeds (Misprint +0). */
  readonly min: Outcome;
  /** Every chance effect succeeds (Misprint +23). */
  readonly max: Outcome;
  /** Expected chips, mult and score. */
  readonly mean: Outcome;
  /** True when `mean` enumerates every outcome; false when it is a seeded Monte Carlo estimate. */
  readonly meanExact: boolean;
  /** Outcomes enumerated, or samples drawn. */
  readonly meanSamples: number;
}

/** The result of scoring one play. */
export interface ScoreResult {
  readonly handType: HandType;
  /** Display name ("Royal Flush" for a Straight Flush from 10 up). */
  readonly handLabel: string;
  /** Level of the hand used for the base. */
  readonly level: number;
  /** Positions (0-based) of the played cards that scored. */
  readonly scoringCards: readonly number[];
  /** Chips, mult and score with every chance effect failing (the guaranteed outcome). */
  readonly chips: number;
  readonly mult: number;
  readonly score: number;
  /** Why a boss forbade the hand (score 0), or null. */
  readonly blocked: string | null;
  /** Each step of the guaranteed outcome. */
  readonly steps: readonly Step[];
  /** Present when chance effects can change the result. */
  readonly chance: ChanceSummary | null;
  readonly warnings: readonly string[];
}

/** Options for {@link score}. */
export interface ScoreOptions {
  /** Record the breakdown (default true). */
  readonly trace?: boolean;
  /** Most outcomes enumerated for an exact mean before switching to sampling (default 4096). */
  readonly maxOutcomes?: number;
  /** Samples for the Monte Carlo mean when enumeration is too large (default 4000). */
  readonly samples?: number;
  /** Seed for the Monte Carlo mean (default 1). */
  readonly seed?: number | string;
}

/** A play prepared once, to score repeatedly (different luck, samples). */
export interface PreparedHand {
  readonly play: PreparedPlay;
  readonly jokers: PreparedJokers;
  readonly played: readonly PreparedCard[];
  readonly held: readonly PreparedCard[];
}

/** Prepares a play for repeated scoring. */
export function prepareHand(play: Play): PreparedHand {
  if (play.played.length === 0 || play.played.length > 5) {
    throw new BusError(
      "malformed",
      `Cannot score a play of ${play.played.length} cards: play 1 to 5 cards`,
    );
  }
  const prepared = preparePlay(play);
  return {
    play: prepared,
    jokers: prepareJokers(play.jokers),
    played: prepareCards(play.played, prepared),
    held: prepareCards(play.held, prepared),
  };
}

/** Runs the pipeline once on a prepared hand with the given luck. */
export function runHand(hand: PreparedHand, luck: Luck, trace: Step[] | null = null): RunOutcome {
  return runScoring(hand, { luck, trace });
}

/**
 * Scores a play exactly as the game does.
 *
 * @example
 * ```ts
 * const result = score({ played: parseCards("KD KD AH"), held: [], jokers: [],
 *   handLevels: {}, handStats: {}, context: defaultContext() });
 * result.score; // 60
 * ```
 */
export function score(play: Play, options: ScoreOptions = {}): ScoreResult {
  const hand = prepareHand(play);
  const steps: Step[] | null = options.trace === false ? null : [];
  const minLuck = new FixedLuck(false);
  const min = runHand(hand, minLuck, steps);
  let chance: ChanceSummary | null = null;
  if (minLuck.uncertain > 0) {
    const max = runHand(hand, new FixedLuck(true));
    chance = {
      min: outcome(min),
      max: outcome(max),
      ...expectation(hand, options),
    };
  }
  const warnings = hand.jokers.unknown.map((name) => `unknown joker "${name}" has no effect`);
  const handType = HAND_TYPES[min.hand];
  return {
    handType,
    handLabel: handLabel(handType, min.scoring.map((i) => hand.played[i])),
    level: min.level,
    scoringCards: min.scoring,
    chips: min.chips,
    mult: min.mult,
    score: min.score,
    blocked: min.blocked,
    steps: steps ?? [],
    chance,
    warnings,
  };
}

/** One outcome sampled with a seeded generator (for chance effects). */
export function sampleScore(play: Play, seed: number | string): Outcome {
  return outcome(runHand(prepareHand(play), new SampledLuck(createRng(seed))));
}

/** The score with every chance replaced by its expected weight (fast; exact for additive luck). */
export function averageScore(hand: PreparedHand): Outcome {
  return outcome(runHand(hand, new AverageLuck()));
}

function outcome(run: RunOutcome): Outcome {
  return { chips: run.chips, mult: run.mult, score: run.score };
}

function expectation(
  hand: PreparedHand,
  options: ScoreOptions,
): { mean: Outcome; meanExact: boolean; meanSamples: number } {
  const maxOutcomes = options.maxOutcomes ?? 4096;
  let choices: number[] | null = [];
  let chips = 0;
  let mult = 0;
  let total = 0;
  let paths = 0;
  while (choices !== null && paths < maxOutcomes) {
    const luck: ScriptedLuck = new ScriptedLuck(choices);
    const run = runHand(hand, luck);
    chips += luck.weight * run.chips;
    mult += luck.weight * run.mult;
    total += luck.weight * run.score;
    paths++;
    choices = luck.nextChoices();
  }
  if (choices === null) {
    return { mean: { chips, mult, score: total }, meanExact: true, meanSamples: paths };
  }
  const samples = options.samples ?? 4000;
  const rng = createRng(options.seed ?? 1);
  chips = 0;
  mult = 0;
  total = 0;
  for (let s = 0; s < samples; s++) {
    const run = runHand(hand, new SampledLuck(rng));
    chips += run.chips;
    mult += run.mult;
    total += run.score;
  }
  return {
    mean: { chips: chips / samples, mult: mult / samples, score: total / samples },
    meanExact: false,
    meanSamples: samples,
  };
}

/** "Royal Flush" for a Straight Flush whose lowest rank is at least 10. */
export function handLabel(hand: HandType, scoring: readonly PreparedCard[]): string {
  if (hand !== "Straight Flush") return hand;
  const ranked = scoring.filter((c) => c.id > 0);
  return ranked.length > 0 && ranked.every((c) => c.id >= 10) ? "Royal Flush" : hand;
}
