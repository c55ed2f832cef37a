// What a joker definition looks like: its hooks into the scoring pipeline.
// Pure game logic: no I/O, no clock.

import type { PreparedCard } from "./card_rules.ts";
import type { ScoringRun } from "./scoring_run.ts";
import type { Joker, Rarity } from "./state.ts";

/**
 * How a joker's position can matter, for joker ordering:
 * - `none`: no effect on the score (economy, rule changers) — position is irrelevant unless a
 *   copy joker or Baseball Card is present;
 * - `additive`: only adds chips or mult, never multiplies — best placed early;
 * - `ordered`: multiplies mult somewhere, or copies, so its position matters.
 */
export type OrderKind = "none" | "additive" | "ordered";

/**
 * A joker definition. Every hook receives the run, the slot `j` whose joker is being applied
 * (for a copy, the copied joker's slot) and `copy` (true when Blueprint/Brainstorm applies it;
 * copies never grow a joker's values).
 */
export interface JokerDef {
  readonly name: string;
  readonly rarity: Rarity;
  /** Blueprint and Brainstorm can copy it. */
  readonly copyable: boolean;
  readonly kind: OrderKind;
  /** Uses a chance roll somewhere. */
  readonly random?: boolean;
  /** One-line summary of the effect. */
  readonly text: string;
  /** Initial per-run value (current mult, chips or ×mult) read from the joker's state. */
  initial?(joker: Joker): number;
  /** State key the per-run value is stored under (to carry it to the next hand). */
  readonly valueKey?: "mult" | "chips" | "x_mult";
  /** Phase 4: state changes that count for this hand. */
  before?(run: ScoringRun, j: number, copy: boolean): void;
  /** Phase 6: extra triggers for a scored card. */
  repetition?(run: ScoringRun, j: number, card: PreparedCard, copy: boolean): number;
  /** Phase 6: effect on one trigger of a scored card. */
  individual?(run: ScoringRun, j: number, card: PreparedCard, copy: boolean): void;
  /** Phase 7: effect on a held card; returns true when it produced an effect. */
  held?(run: ScoringRun, j: number, card: PreparedCard, copy: boolean): boolean;
  /** Phase 7: extra triggers for a held card that produced an effect. */
  heldRepetition?(run: ScoringRun, j: number, card: PreparedCard, copy: boolean): number;
  /** Phase 8: main effect. */
  main?(run: ScoringRun, j: number, copy: boolean): void;
  /** Phase 8: reaction to the joker in slot `other` just evaluated (Baseball Card). */
  reaction?(run: ScoringRun, j: number, other: number, copy: boolean): void;
}

/** Reads a numeric state key with a default (non-finite values fall back too). */
export function stateNumber(joker: Joker, key: keyof Joker["state"], fallback: number): number {
  const v = joker.state[key];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}
