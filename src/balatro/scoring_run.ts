// The mutable state of one scoring run (one hand being scored) and the primitive effects jokers
// and cards apply to it. Pure game logic: no I/O, no clock.

import type { Step } from "./breakdown.ts";
import type { HandRules, PreparedCard } from "./card_rules.ts";
import type { Luck } from "./luck.ts";
import type { Joker, Rarity, RunContext } from "./state.ts";

/** The parts of a joker definition a run needs; see `joker_def.ts` for the hooks. */
export interface RunJoker {
  readonly joker: Joker;
  readonly rarity: Rarity;
}

/** State of one hand being scored; created per run, never shared. */
export class ScoringRun {
  readonly rules: HandRules;
  readonly context: RunContext;
  readonly luck: Luck;
  /** `probabilities.normal`. */
  readonly normal: number;
  readonly played: readonly PreparedCard[];
  held: PreparedCard[];
  scoring: PreparedCard[];
  /** Hand type index (HAND_TYPES). */
  readonly hand: number;
  /** Contains-mask of the played hand. */
  readonly contains: number;
  /** Jokers in the current order. */
  readonly jokers: readonly RunJoker[];
  /** Mutable per-joker value (current mult, chips or ×mult), by slot. */
  readonly vals: number[];
  /** Times each hand type was played this run, counting this hand. */
  readonly playedCounts: readonly number[];
  /** Times this hand type was played this run, including this hand. */
  readonly timesPlayed: number;
  /** Times this hand type was played this round, including this hand. */
  readonly timesPlayedThisRound: number;
  /** Hands already played this round before this one. */
  readonly handsPlayedBefore: number;
  /** Hands left after pressing Play (0 = final hand). */
  readonly handsLeft: number;
  level: number;
  chips = 0;
  mult = 0;
  money: number;
  /** Weight of a Lucky-card success on the card trigger being evaluated (feeds Lucky Cat). */
  luckyTrigger = 0;
  /** First scoring face card (Photograph), found once the scoring set is fixed. */
  firstFace: PreparedCard | null = null;
  readonly trace: Step[] | null;
  /** Label of what is acting now (only kept while tracing). */
  source = "";

  constructor(init: {
    rules: HandRules;
    context: RunContext;
    luck: Luck;
    normal: number;
    played: readonly PreparedCard[];
    held: PreparedCard[];
    scoring: PreparedCard[];
    hand: number;
    contains: number;
    jokers: readonly RunJoker[];
    vals: number[];
    playedCounts: readonly number[];
    timesPlayed: number;
    timesPlayedThisRound: number;
    handsPlayedBefore: number;
    level: number;
    money: number;
    trace: Step[] | null;
  }) {
    this.rules = init.rules;
    this.context = init.context;
    this.luck = init.luck;
    this.normal = init.normal;
    this.played = init.played;
    this.held = init.held;
    this.scoring = init.scoring;
    this.hand = init.hand;
    this.contains = init.contains;
    this.jokers = init.jokers;
    this.vals = init.vals;
    this.playedCounts = init.playedCounts;
    this.timesPlayed = init.timesPlayed;
    this.timesPlayedThisRound = init.timesPlayedThisRound;
    this.handsPlayedBefore = init.handsPlayedBefore;
    this.handsLeft = init.context.handsRemaining - 1;
    this.level = init.level;
    this.money = init.money;
    this.trace = init.trace;
  }

  /** Probability of a "1 in `n`" roll. */
  odds(n: number): number {
    return this.normal / n;
  }

  /** True when the played hand contains the hand type with index `hand`. */
  has(hand: number): boolean {
    return (this.contains & (1 << hand)) !== 0;
  }

  /** Adds chips. */
  addChips(amount: number): void {
    this.chips += amount;
    if (this.trace !== null) this.note("+" + fmt(amount) + " chips");
  }

  /** Adds mult. */
  addMult(amount: number): void {
    this.mult += amount;
    if (this.trace !== null) this.note("+" + fmt(amount) + " mult");
  }

  /** Multiplies mult. */
  xMult(factor: number): void {
    this.mult *= factor;
    if (this.trace !== null) this.note("×" + fmt(factor) + " mult");
  }

  /** Earns money during scoring (read by Bull and Bootstraps). */
  addMoney(amount: number): void {
    this.money += amount;
    if (this.trace !== null) this.note("+$" + fmt(amount));
  }

  /** Records a step with the current source (no-op unless tracing). */
  note(effect: string, phase?: Step["phase"]): void {
    if (this.trace === null) return;
    this.trace.push({
      phase: phase ?? this.phase,
      source: this.source,
      effect,
      chips: this.chips,
      mult: this.mult,
    });
  }

  /** Phase recorded on traced steps. */
  phase: Step["phase"] = "base";
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
}
