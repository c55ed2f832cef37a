// Chance effects: how a scoring run resolves "1 in N" rolls (never, always, on average, sampled
// from a seeded generator, or enumerated). Pure game logic: no I/O, no clock.

/** How a scoring run resolves a chance effect. */
export interface Luck {
  /**
   * Weight with which an event of probability `p` (already scaled by `probabilities.normal`)
   * happens: 0 or 1 for a concrete outcome, `p` for the average.
   */
  chance(p: number): number;
  /** A uniform integer from `lo` to `hi` (or its mean, for the average). */
  integer(lo: number, hi: number): number;
  /** Number of uncertain rolls (0 < p < 1, or a range) seen so far. */
  readonly uncertain: number;
}

/** A seeded pseudo-random generator of doubles in [0, 1). */
export interface Rng {
  next(): number;
}

/** Luck that picks fixed outcomes: every chance fails (`min`) or succeeds (`max`). */
export class FixedLuck implements Luck {
  #succeed: boolean;
  uncertain = 0;
  constructor(succeed: boolean) {
    this.#succeed = succeed;
  }
  chance(p: number): number {
    if (p >= 1) return 1;
    if (p <= 0) return 0;
    this.uncertain++;
    return this.#succeed ? 1 : 0;
  }
  integer(lo: number, hi: number): number {
    if (hi > lo) this.uncertain++;
    return this.#succeed ? hi : lo;
  }
}

/** Luck that replaces every chance by its expected weight (exact for additive effects). */
export class AverageLuck implements Luck {
  uncertain = 0;
  chance(p: number): number {
    if (p >= 1) return 1;
    if (p <= 0) return 0;
    this.uncertain++;
    return p;
  }
  integer(lo: number, hi: number): number {
    if (hi > lo) this.uncertain++;
    return (lo + hi) / 2;
  }
}

/** Luck sampled from a seeded generator. */
export class SampledLuck implements Luck {
  #rng: Rng;
  uncertain = 0;
  constructor(rng: Rng) {
    this.#rng = rng;
  }
  chance(p: number): number {
    if (p >= 1) return 1;
    if (p <= 0) return 0;
    this.uncertain++;
    return this.#rng.next() < p ? 1 : 0;
  }
  integer(lo: number, hi: number): number {
    if (hi > lo) this.uncertain++;
    return lo + Math.floor(this.#rng.next() * (hi - lo + 1));
  }
}

/**
 * Luck that follows a script of branch choices, for enumerating every outcome: each uncertain
 * roll is a branch point; `weight` is the probability of the path taken.
 */
export class ScriptedLuck implements Luck {
  readonly choices: number[];
  readonly branches: number[] = [];
  weight = 1;
  uncertain = 0;
  constructor(choices: number[]) {
    this.choices = choices;
  }
  #pick(count: number, probOf: (choice: number) => number): number {
    const at = this.uncertain++;
    if (at >= this.choices.length) this.choices.push(0);
    const choice = this.choices[at];
    this.branches[at] = count;
    this.weight *= probOf(choice);
    return choice;
  }
  chance(p: number): number {
    if (p >= 1) return 1;
    if (p <= 0) return 0;
    return this.#pick(2, (c) => (c === 1 ? p : 1 - p));
  }
  integer(lo: number, hi: number): number {
    if (hi <= lo) return lo;
    const count = hi - lo + 1;
    return lo + this.#pick(count, () => 1 / count);
  }
  /** The choices of the next path in depth-first order, or null when all were visited. */
  nextChoices(): number[] | null {
    const used = this.uncertain;
    for (let i = used - 1; i >= 0; i--) {
      if (this.choices[i] + 1 < this.branches[i]) {
        const next = this.choices.slice(0, i + 1);
        next[i]++;
        return next;
      }
    }
    return null;
  }
}

/**
 * A small, fast seeded generator (SFC32 state, seeded through SplitMix32), so the same seed
 * always gives the same sequence.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next(); // a double in [0, 1)
 * ```
 */
export function createRng(seed: number | string): Rng {
  let s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  const split = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return { next };
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}
