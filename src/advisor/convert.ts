/**
 * Advisor requests (proto/jimbot/advisor/v1/advisor.proto) → engine inputs, and engine results →
 * response shapes. Cards, jokers and context are read by the engine's own readers (the
 * test-vector schema), so the service and the vectors can never disagree. Unusable input is a
 * `malformed` BusError naming the field.
 * @module
 */
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type {
  BestJokerOrderResponseSchema,
  BestPlayResponseSchema,
  BlindOddsResponseSchema,
  Card as CardMessage,
  CardSchema,
  Joker as JokerMessage,
  PlayChoiceSchema,
  ScoreResponseSchema,
  Situation,
  StepSchema,
} from "../gen/jimbot/advisor/v1/advisor_pb.ts";
import {
  type BestPlayResult,
  type Card,
  defaultContext,
  type GameState,
  type HandStat,
  type HandType,
  isHandType,
  type JokerOrderResult,
  makeCard,
  type Objective,
  type Play,
  type PlayChoice,
  RANKS,
  readCard,
  readContext,
  readGameState,
  readJoker,
  type ScoreResult,
  type Step,
  SUITS,
} from "../balatro/mod.ts";
import { BusError } from "../errors.ts";
import type { OddsOutcome } from "./engine_jobs.ts";

type Obj = Record<string, unknown>;

/** Most cards a hand may hold for BestPlay and BlindOdds (16 cards: 6,884 subsets). */
export const MAX_HAND_CARDS = 16;

/**
 * Runs an engine reader, naming `what` in its refusal (a `malformed` BusError, a 400); any other
 * error is a bug and passes through (a 500, logged with its stack).
 */
export function readOrReject<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof BusError && err.kind === "malformed") {
      throw new BusError("malformed", `Cannot read ${what}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** A Card message in the vector/mod JSON shape (empty strings left out: defaults apply). */
export function cardJson(card: CardMessage): Obj {
  const out: Obj = { rank: card.rank, suit: card.suit };
  if (card.enhancement) out.enhancement = card.enhancement;
  if (card.edition) out.edition = card.edition;
  if (card.seal) out.seal = card.seal;
  if (card.debuffed) out.debuffed = true;
  if (card.bonusChips) out.bonus_chips = card.bonusChips;
  if (card.playedThisAnte) out.played_this_ante = true;
  return out;
}

/** A Joker message in the vector JSON shape. */
export function jokerJson(joker: JokerMessage): Obj {
  const out: Obj = { name: joker.name };
  if (joker.edition) out.edition = joker.edition;
  if (joker.rarity) out.rarity = joker.rarity;
  if (joker.state) out.state = joker.state;
  if (joker.debuffed) out.debuffed = true;
  return out;
}

/** Reads a list of Card messages; `field` names the request field in errors. */
export function readCards(cards: readonly CardMessage[], field: string): Card[] {
  return readOrReject(field, () => cards.map((c, i) => readCard(cardJson(c), `${field}[${i}]`)));
}

function readLevels(levels: Readonly<Record<string, number>>): Partial<Record<HandType, number>> {
  const out: Partial<Record<HandType, number>> = {};
  for (const [hand, level] of Object.entries(levels)) {
    if (!isHandType(hand)) {
      throw new BusError("malformed", `Cannot read hand_levels: unknown hand "${hand}"`);
    }
    out[hand] = level;
  }
  return out;
}

function readStats(stats: JsonObject | undefined): Partial<Record<HandType, Partial<HandStat>>> {
  const out: Partial<Record<HandType, Partial<HandStat>>> = {};
  for (const [hand, value] of Object.entries(stats ?? {})) {
    if (!isHandType(hand)) {
      throw new BusError("malformed", `Cannot read hand_stats: unknown hand "${hand}"`);
    }
    const o = typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
    const count = (v: unknown, key: string): number => {
      if (v === undefined || v === null) return 0;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new BusError("malformed", `Cannot read hand_stats.${hand}.${key}: not a number`);
      }
      return v;
    };
    out[hand] = {
      played: count(o.played, "played"),
      playedThisRound: count(o.played_this_round, "played_this_round"),
    };
  }
  return out;
}

/**
 * The game state a request describes: the GAME_STATE payload when given (else an empty hand
 * in the default context), with the explicit parts laid over it.
 */
export function readSituation(
  situation: Situation | undefined,
  hand: readonly CardMessage[] = [],
): GameState {
  const s = situation;
  const handLevels = readLevels(s?.handLevels ?? {});
  let state: GameState = s?.gameState
    ? readOrReject("game_state", () => readGameState(s.gameState, { handLevels }))
    : { hand: [], jokers: [], handLevels, handStats: {}, context: defaultContext(), roundScore: 0 };
  if (s && s.jokers.length > 0) {
    const jokers = readOrReject(
      "jokers",
      () => s.jokers.map((j, i) => readJoker(jokerJson(j), `jokers[${i}]`)),
    );
    state = { ...state, jokers };
  }
  if (s?.handStats) state = { ...state, handStats: readStats(s.handStats) };
  if (s?.context) {
    const ctx = s.context;
    state = { ...state, context: readOrReject("context", () => readContext(ctx, "context")) };
  }
  if (hand.length > 0) state = { ...state, hand: readCards(hand, "hand") };
  return state;
}

/** What a Score or BestJokerOrder request plays. */
export interface PlayRequest {
  readonly situation?: Situation;
  readonly played: readonly CardMessage[];
  readonly held: readonly CardMessage[];
  readonly playPositions: readonly number[];
}

/**
 * The play a Score or BestJokerOrder request describes: `played` (or `play_positions` into the
 * game state's hand), `held` (or, with a game state, the rest of the hand).
 */
export function readPlay(req: PlayRequest): Play {
  const state = readSituation(req.situation);
  let played: Card[];
  let rest: Card[] = state.hand.slice();
  if (req.played.length > 0) {
    played = readCards(req.played, "played");
    for (const card of played) {
      const at = rest.findIndex((c) => sameCard(c, card));
      if (at >= 0) rest.splice(at, 1);
    }
  } else {
    const seen = new Set<number>();
    played = req.playPositions.map((p) => {
      if (p >= state.hand.length || seen.has(p)) {
        throw new BusError(
          "malformed",
          `Cannot read play_positions: ${p} is ${
            seen.has(p) ? "repeated" : `not a position in a hand of ${state.hand.length} cards`
          }`,
        );
      }
      seen.add(p);
      return state.hand[p];
    });
    rest = state.hand.filter((_c, i) => !seen.has(i));
  }
  if (played.length === 0 || played.length > 5) {
    throw new BusError(
      "malformed",
      `Cannot score a play of ${played.length} cards: give 1 to 5 in played or play_positions`,
    );
  }
  const held = req.held.length > 0 ? readCards(req.held, "held") : rest;
  return {
    played,
    held,
    jokers: state.jokers,
    handLevels: state.handLevels,
    handStats: state.handStats,
    context: state.context,
  };
}

function sameCard(a: Card, b: Card): boolean {
  return a.rank === b.rank && a.suit === b.suit && a.enhancement === b.enhancement &&
    a.edition === b.edition && a.seal === b.seal;
}

/** Refuses a hand the searches cannot take. */
export function checkHand(state: GameState): void {
  if (state.hand.length === 0) {
    throw new BusError("malformed", "Cannot advise: the hand is empty; give hand or game_state");
  }
  if (state.hand.length > MAX_HAND_CARDS) {
    throw new BusError(
      "malformed",
      `Cannot advise: the hand holds ${state.hand.length} cards; at most ${MAX_HAND_CARDS}`,
    );
  }
}

/** "mean" (default) or "min". */
export function readObjective(value: string): Objective {
  if (value === "" || value === "mean") return "mean";
  if (value === "min") return "min";
  throw new BusError("malformed", `Cannot read objective: must be "mean" or "min": got "${value}"`);
}

/** A seed string: "" → 1, a decimal integer → that number, anything else as is. */
export function readSeed(seed: string): number | string {
  if (seed === "") return 1;
  return /^-?\d{1,15}$/.test(seed) ? Number(seed) : seed;
}

/** A standard 52-card deck minus the given cards (one copy each). */
export function deckWithout(cards: readonly Card[]): Card[] {
  const deck: Card[] = [];
  for (const suit of SUITS) for (const rank of RANKS) deck.push(makeCard(rank, suit));
  for (const card of cards) {
    const at = deck.findIndex((c) => c.rank === card.rank && c.suit === card.suit);
    if (at >= 0) deck.splice(at, 1);
  }
  return deck;
}

// ---- results → response shapes ----

/** An engine card as a Card message. */
export function cardMessage(card: Card): MessageInitShape<typeof CardSchema> {
  return {
    rank: card.rank,
    suit: card.suit,
    enhancement: card.enhancement,
    edition: card.edition,
    seal: card.seal,
    debuffed: card.debuffed,
    bonusChips: card.bonusChips,
    playedThisAnte: card.playedThisAnte,
  };
}

export function stepMessage(step: Step): MessageInitShape<typeof StepSchema> {
  return { ...step };
}

export function scoreResponse(r: ScoreResult): MessageInitShape<typeof ScoreResponseSchema> {
  return {
    handType: r.handType,
    handLabel: r.handLabel,
    level: r.level,
    scoringCards: [...r.scoringCards],
    chips: r.chips,
    mult: r.mult,
    score: r.score,
    blocked: r.blocked ?? "",
    steps: r.steps.map(stepMessage),
    chance: r.chance === null ? undefined : {
      min: { ...r.chance.min },
      max: { ...r.chance.max },
      mean: { ...r.chance.mean },
      meanExact: r.chance.meanExact,
      meanSamples: r.chance.meanSamples,
    },
    warnings: [...r.warnings],
  };
}

export function playChoiceMessage(
  choice: PlayChoice,
  state: GameState,
): MessageInitShape<typeof PlayChoiceSchema> {
  return {
    positions: [...choice.cards],
    cards: choice.played.map(cardMessage),
    handType: choice.handType,
    score: choice.score,
    chips: choice.chips,
    mult: choice.mult,
    minScore: choice.minScore,
    jokerOrder: [...choice.jokerOrder],
    jokerNames: choice.jokerOrder.map((i) => state.jokers[i].name),
  };
}

export function bestPlayResponse(
  result: BestPlayResult,
  steps: readonly Step[],
  state: GameState,
): MessageInitShape<typeof BestPlayResponseSchema> {
  return {
    best: playChoiceMessage(result.best, state),
    alternatives: result.alternatives.map((c) => playChoiceMessage(c, state)),
    steps: steps.map(stepMessage),
    subsets: result.subsets,
    evaluated: result.evaluated,
  };
}

export function jokerOrderResponse(
  r: JokerOrderResult,
): MessageInitShape<typeof BestJokerOrderResponseSchema> {
  return {
    order: [...r.order],
    jokerNames: r.jokers.map((j) => j.name),
    score: r.score,
    baseline: r.baseline,
    gain: r.gain,
    evaluated: r.evaluated,
    exhaustive: r.exhaustive,
  };
}

export function blindOddsResponse(
  r: OddsOutcome,
): MessageInitShape<typeof BlindOddsResponseSchema> {
  return {
    probability: r.probability,
    low: r.low,
    high: r.high,
    confidence: 0.95,
    samples: r.samples,
    wins: r.wins,
    needed: r.needed,
    seed: String(r.seed),
    policy: r.policy,
    budgetReached: r.budgetReached,
  };
}
