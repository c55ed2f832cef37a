/**
 * The Advisor Connect service (proto/jimbot/advisor/v1/advisor.proto): thin translations
 * between protobuf messages and the engine. Score and BestJokerOrder are bounded and run inline;
 * BestPlay and BlindOdds run in the engine worker. Errors are BusErrors; the rpc/ interceptor
 * maps them to Connect codes.
 * @module
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { Advisor } from "../gen/jimbot/advisor/v1/advisor_pb.ts";
import { bestJokerOrder, score } from "../balatro/mod.ts";
import { BusError } from "../errors.ts";
import {
  bestPlayResponse,
  blindOddsResponse,
  checkHand,
  deckWithout,
  jokerOrderResponse,
  readCards,
  readObjective,
  readOrReject,
  readPlay,
  readSeed,
  readSituation,
  scoreResponse,
} from "./convert.ts";
import type { EngineWorker } from "./engine_worker.ts";

/** Default and largest number of alternatives BestPlay returns. */
export const DEFAULT_TOP = 4;
export const MAX_TOP = 50;
/** Default and largest number of rounds BlindOdds simulates. */
export const DEFAULT_ODDS_SAMPLES = 400;
export const MAX_ODDS_SAMPLES = 20_000;
/** Default and longest BlindOdds simulation time. */
export const MAX_ODDS_BUDGET_MS = 5_000;
/** Most jokers BestJokerOrder takes (the search is inline; beyond 720 orders it is local). */
const MAX_JOKERS = 20;

export interface AdvisorDeps {
  /** Runs BestPlay and BlindOdds off the event loop. */
  readonly engine: EngineWorker;
}

/** Adds the Advisor service to `router`. */
export function registerAdvisor(router: ConnectRouter, deps: AdvisorDeps): void {
  router.service(Advisor, {
    score(req) {
      const play = readPlay(req);
      return scoreResponse(readOrReject("play", () => score(play)));
    },
    async bestPlay(req) {
      const state = readSituation(req.situation, req.hand);
      checkHand(state);
      const top = req.top ?? DEFAULT_TOP;
      if (top > MAX_TOP) {
        throw new BusError("malformed", `Cannot read top: at most ${MAX_TOP}: got ${top}`);
      }
      const outcome = await deps.engine.run({
        kind: "best_play",
        state,
        options: {
          top,
          objective: readObjective(req.objective),
          reorderJokers: !req.keepJokerOrder,
        },
      });
      return bestPlayResponse(outcome.result, outcome.steps, state);
    },
    bestJokerOrder(req) {
      const play = readPlay(req);
      if (play.jokers.length > MAX_JOKERS) {
        throw new BusError(
          "malformed",
          `Cannot order ${play.jokers.length} jokers: at most ${MAX_JOKERS}`,
        );
      }
      const objective = readObjective(req.objective);
      return jokerOrderResponse(readOrReject("play", () => bestJokerOrder(play, { objective })));
    },
    async blindOdds(req) {
      let state = readSituation(req.situation, req.hand);
      const samples = req.samples ?? DEFAULT_ODDS_SAMPLES;
      if (samples < 1 || samples > MAX_ODDS_SAMPLES) {
        throw new BusError(
          "malformed",
          `Cannot read samples: must be 1 to ${MAX_ODDS_SAMPLES}: got ${samples}`,
        );
      }
      const budgetMs = Math.min(req.timeBudgetMs ?? MAX_ODDS_BUDGET_MS, MAX_ODDS_BUDGET_MS);
      if (req.roundScore !== undefined) state = { ...state, roundScore: req.roundScore };
      if (req.drawPile.length > 0) {
        state = { ...state, drawPile: readCards(req.drawPile, "draw_pile") };
      } else if (req.unseen.length > 0) {
        state = { ...state, unseen: readCards(req.unseen, "unseen") };
      } else if ((state.unseen ?? []).length === 0) {
        state = { ...state, unseen: deckWithout(state.hand) };
      }
      if (state.hand.length > 0) checkHand(state);
      const odds = await deps.engine.run({
        kind: "blind_odds",
        state,
        options: { samples, seed: readSeed(req.seed), budgetMs },
      });
      return blindOddsResponse(odds);
    },
  });
}

/** {@linkcode registerAdvisor} as a registration for rpc/'s list of services. */
export function advisorService(deps: AdvisorDeps): (router: ConnectRouter) => void {
  return (router) => registerAdvisor(router, deps);
}
