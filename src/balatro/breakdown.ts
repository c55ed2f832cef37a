// One step of a score breakdown: which card or joker added what.
// Pure game logic: no I/O, no clock.

/** Pipeline phase a step belongs to (docs/game-rules.md#scoring-order). */
export type Phase =
  | "blocked"
  | "level"
  | "before"
  | "base"
  | "boss"
  | "card"
  | "held"
  | "joker"
  | "consumable"
  | "deck"
  | "final";

/** One step of the scoring pipeline, with the running chips and mult after it. */
export interface Step {
  readonly phase: Phase;
  /** What acted, e.g. `"K♥ (played 2)"` or `"joker 3 Blueprint → Sly Joker"`. */
  readonly source: string;
  /** What it did, e.g. `"+50 chips"`, `"×1.5 mult"`, `"+$3"`. */
  readonly effect: string;
  readonly chips: number;
  readonly mult: number;
}
