/**
 * The advisor's heavy work as plain jobs (structured-clonable in and out), run in the engine
 * worker so that a search or a simulation never stalls the bus's event loop. Blind odds run in
 * chunks against a time budget, so every job ends in bounded time.
 * @module
 */
import {
  bestPlay,
  type BestPlayOptions,
  type BestPlayResult,
  blindOdds,
  type BlindOddsResult,
  type GameState,
  score,
  type Step,
  wilson,
} from "../balatro/mod.ts";

/** Simulated rounds per chunk; the budget is checked between chunks. */
export const ODDS_CHUNK_SAMPLES = 50;

export interface OddsOptions {
  readonly samples: number;
  readonly seed: number | string;
  /** Stop after the chunk that passes this many milliseconds (at least one chunk runs). */
  readonly budgetMs: number;
}

/** Blind odds with the samples actually drawn and whether the budget cut them short. */
export interface OddsOutcome extends BlindOddsResult {
  readonly budgetReached: boolean;
  readonly elapsedMs: number;
}

export interface BestPlayOutcome {
  readonly result: BestPlayResult;
  /** Breakdown of the best play with its joker order. */
  readonly steps: readonly Step[];
  readonly elapsedMs: number;
}

export type EngineJob =
  | { readonly kind: "best_play"; readonly state: GameState; readonly options: BestPlayOptions }
  | { readonly kind: "blind_odds"; readonly state: GameState; readonly options: OddsOptions }
  | {
    readonly kind: "advise";
    readonly state: GameState;
    readonly play: BestPlayOptions;
    readonly odds: OddsOptions;
  };

/** What each kind of job resolves to. */
export interface EngineResults {
  best_play: BestPlayOutcome;
  blind_odds: OddsOutcome;
  advise: { bestPlay: BestPlayOutcome; odds: OddsOutcome };
}

/** Runs one job in the calling thread. */
export function runJob(job: EngineJob, now: () => number = () => performance.now()): unknown {
  switch (job.kind) {
    case "best_play":
      return bestPlayWithSteps(job.state, job.options, now);
    case "blind_odds":
      return budgetedBlindOdds(job.state, job.options, now);
    case "advise":
      return {
        bestPlay: bestPlayWithSteps(job.state, job.play, now),
        odds: budgetedBlindOdds(job.state, job.odds, now),
      };
  }
}

/** {@linkcode bestPlay} plus the breakdown of the best play. */
export function bestPlayWithSteps(
  state: GameState,
  options: BestPlayOptions,
  now: () => number = () => performance.now(),
): BestPlayOutcome {
  const started = now();
  const result = bestPlay(state, options);
  const chosen = new Set(result.best.cards);
  const { steps } = score({
    played: result.best.played,
    held: state.hand.filter((_c, i) => !chosen.has(i)),
    jokers: result.best.jokerOrder.map((i) => state.jokers[i]),
    handLevels: state.handLevels,
    handStats: state.handStats,
    context: state.context,
  });
  return { result, steps, elapsedMs: now() - started };
}

/**
 * {@linkcode blindOdds} in chunks of {@linkcode ODDS_CHUNK_SAMPLES} rounds until `samples` are
 * drawn or `budgetMs` has passed. The first chunk uses `seed` itself, chunk k the seed
 * `"<seed>#k"`, so the same seed and sample count give the same estimate, and up to one chunk
 * it equals `blindOdds(state, { samples, seed })`.
 */
export function budgetedBlindOdds(
  state: GameState,
  options: OddsOptions,
  now: () => number = () => performance.now(),
): OddsOutcome {
  const started = now();
  const total = Math.max(1, Math.floor(options.samples));
  let wins = 0;
  let drawn = 0;
  let last: BlindOddsResult | null = null;
  for (let k = 0; drawn < total; k++) {
    if (k > 0 && now() - started >= options.budgetMs) break;
    const n = Math.min(ODDS_CHUNK_SAMPLES, total - drawn);
    const seed = k === 0 ? options.seed : `${options.seed}#${k}`;
    last = blindOdds(state, { samples: n, seed });
    if (last.samples === 0) {
      // Certain without simulation (already won, or no hand left): no sampling needed.
      return { ...last, budgetReached: false, elapsedMs: now() - started };
    }
    wins += last.wins;
    drawn += last.samples;
  }
  if (last === null) throw new Error("unreachable: at least one chunk runs");
  const [low, high] = wilson(wins, drawn);
  return {
    ...last,
    probability: wins / drawn,
    low,
    high,
    samples: drawn,
    wins,
    seed: options.seed,
    budgetReached: drawn < total,
    elapsedMs: now() - started,
  };
}
