import assert from "node:assert/strict";
import { routeTopic } from "../../src/ingest/topic_routing.ts";

Deno.test("routeTopic() follows the topic table, case-insensitively, never rejecting a type", () => {
  const table: [string, string | undefined, string][] = [
    ["GAME_STATE", undefined, "game.state.update"],
    ["HEARTBEAT", undefined, "system.heartbeat"],
    ["MONEY_CHANGED", undefined, "game.money.changed"],
    ["SCORE_CHANGED", undefined, "game.score.changed"],
    ["HAND_PLAYED", undefined, "game.hand.played"],
    ["CARDS_DISCARDED", undefined, "game.cards.discarded"],
    ["JOKERS_CHANGED", undefined, "game.jokers.changed"],
    ["ROUND_CHANGED", undefined, "game.round.changed"],
    ["PHASE_CHANGED", undefined, "game.phase.changed"],
    ["ROUND_COMPLETE", undefined, "game.round.complete"],
    ["connection_test", undefined, "system.connection.test"],
    ["JOKER_TRIGGER", undefined, "game.joker.triggered"],
    ["SCORING", "HAND_EVAL_START", "game.scoring.hand_eval_start"],
    ["SCORING", undefined, "game.scoring.unknown"],
    ["LEARNING_DECISION", "REQUEST", "learning.decision.request"],
    ["ADVICE", "BEST_PLAY", "advice.best_play"],
    ["ADVICE", "BLIND_ODDS", "advice.blind_odds"],
    ["ERROR", undefined, "system.error"],
    ["DIAGNOSTIC", undefined, "system.diagnostic"],
    ["TEST_EVENT_1", undefined, "custom.test_event_1"],
    ["weird.type*>", undefined, "custom.weird_type__"],
    ['Quote"Back\\slash\u0001Déjà', undefined, "custom.quote_back_slash_déjà"],
  ];
  for (const [type, subtype, topic] of table) assert.equal(routeTopic(type, subtype), topic, type);
});
