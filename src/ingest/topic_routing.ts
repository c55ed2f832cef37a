/**
 * Type → topic, the routing table of docs/design.md#topics and docs/mod-protocol.md#topic-routing.
 * Routing uses the upper-cased type, so the mod's lowercase `connection_test` probe routes like
 * the rest; no type is ever rejected.
 * @module
 */

const FIXED_TOPICS: Readonly<Record<string, string>> = {
  GAME_STATE: "game.state.update",
  HEARTBEAT: "system.heartbeat",
  MONEY_CHANGED: "game.money.changed",
  SCORE_CHANGED: "game.score.changed",
  HAND_PLAYED: "game.hand.played",
  CARDS_DISCARDED: "game.cards.discarded",
  JOKERS_CHANGED: "game.jokers.changed",
  ROUND_CHANGED: "game.round.changed",
  PHASE_CHANGED: "game.phase.changed",
  ROUND_COMPLETE: "game.round.complete",
  CONNECTION_TEST: "system.connection.test",
  JOKER_TRIGGER: "game.joker.triggered",
  ERROR: "system.error",
  DIAGNOSTIC: "system.diagnostic",
};

/** Types whose topic ends in their subtype. */
const SUBTYPED_PREFIXES: Readonly<Record<string, string>> = {
  SCORING: "game.scoring.",
  LEARNING_DECISION: "learning.decision.",
  // Published by the bus itself (src/advisor/): advice.best_play, advice.blind_odds.
  ADVICE: "advice.",
  // Published by the tracking server (src/mlflow/): experiment.run, experiment.metrics, …
  EXPERIMENT: "experiment.",
};

/** The types the mod defines; every other type is counted as "other" in metrics. */
export const KNOWN_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(FIXED_TOPICS),
  ...Object.keys(SUBTYPED_PREFIXES),
]);

/** The topic an event of `type` (and `subtype`) is published on. */
export function routeTopic(type: string, subtype: string | undefined): string {
  const upper = type.toUpperCase();
  const fixed = FIXED_TOPICS[upper];
  if (fixed) return fixed;
  const prefix = SUBTYPED_PREFIXES[upper];
  if (prefix) return prefix + topicSegment(subtype || "unknown");
  return "custom." + topicSegment(type);
}

// A topic segment keeps letters, digits, "_", "-" and ":"; anything else (the separator, the
// wildcards, spaces, quotes, control characters) becomes "_", so patterns never misread it.
function topicSegment(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}_\-:]/gu, "_");
}
