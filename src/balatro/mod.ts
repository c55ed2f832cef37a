// The Balatro engine's public surface: exact hand scoring, predictions and the adapters that read
// test vectors and the mod's GAME_STATE. Pure game logic: no I/O, no clock.

export {
  type Card,
  type Edition,
  EDITIONS,
  type Enhancement,
  ENHANCEMENTS,
  formatCard,
  makeCard,
  parseCard,
  parseCards,
  type Rank,
  rankChips,
  rankId,
  RANKS,
  type Seal,
  SEALS,
  type Suit,
  SUITS,
} from "./cards.ts";
export { DEFAULT_RULES, type HandRules } from "./card_rules.ts";
export { anteBase, blindMultiplier, blindRequirement, bossDebuffs, stakeGroup } from "./blinds.ts";
export type { Phase, Step } from "./breakdown.ts";
export { detectHand, type Detection } from "./detect.ts";
export {
  HAND_INDEX,
  HAND_TABLES,
  HAND_TYPES,
  handChips,
  handMult,
  type HandStat,
  type HandTable,
  type HandType,
  isHandType,
} from "./hands.ts";
export { findJoker, isScoringJoker, JOKER_DEFS, jokerNames } from "./joker_catalog.ts";
export type { JokerDef, OrderKind } from "./joker_def.ts";
export {
  AverageLuck,
  createRng,
  FixedLuck,
  type Luck,
  type Rng,
  SampledLuck,
  ScriptedLuck,
} from "./luck.ts";
export { type RunOptions, type RunOutcome, runScoring, type ScoringInput } from "./pipeline.ts";
export {
  prepareCards,
  type PreparedJokers,
  type PreparedPlay,
  prepareJokers,
  preparePlay,
  rulesOf,
} from "./prepare.ts";
export {
  averageScore,
  type ChanceSummary,
  handLabel,
  type Outcome,
  type PreparedHand,
  prepareHand,
  runHand,
  sampleScore,
  score,
  type ScoreOptions,
  type ScoreResult,
} from "./score.ts";
export {
  type Blind,
  type Consumable,
  defaultContext,
  type GameState,
  type Joker,
  type JokerState,
  type Play,
  type Rarity,
  type RunContext,
  SMALL_BLIND,
} from "./state.ts";
export {
  readCard,
  readContext,
  readJoker,
  readVector,
  readVectors,
  type Vector,
  type VectorExpected,
  type VectorOutcome,
} from "./vector.ts";
export {
  bestPlay,
  type BestPlayOptions,
  type BestPlayResult,
  bestSubsetFast,
  type PlayChoice,
  subsets,
} from "./best_play.ts";
export {
  bestJokerOrder,
  bestJokerOrderPrepared,
  type JokerOrderOptions,
  type JokerOrderResult,
  type Objective,
  type OrderInput,
  placements,
  scoreOrder,
} from "./joker_order.ts";
export {
  blindOdds,
  type BlindOddsOptions,
  type BlindOddsResult,
  GREEDY_POLICY,
  wilson,
} from "./blind_odds.ts";
export { type GameStateExtras, readGameState } from "./mod_state.ts";
