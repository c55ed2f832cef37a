/**
 * Test kit: mod events as the log would store them (design §3), for projecting in-process.
 * @module
 */
import type { ModEvent } from "./_game_generator.ts";

const TOPICS: Record<string, string> = {
  GAME_STATE: "game.state.update",
  MONEY_CHANGED: "game.money.changed",
  SCORE_CHANGED: "game.score.changed",
  HAND_PLAYED: "game.hand.played",
  CARDS_DISCARDED: "game.cards.discarded",
  JOKERS_CHANGED: "game.jokers.changed",
  ROUND_CHANGED: "game.round.changed",
  PHASE_CHANGED: "game.phase.changed",
  ROUND_COMPLETE: "game.round.complete",
};

/** Envelopes at offsets 0.., received one second apart from `startMs`. */
export function toEnvelopes(events: readonly ModEvent[], startMs = Date.UTC(2026, 0, 1)) {
  return events.map((e, offset) => ({
    offset,
    event_id: e.event_id,
    type: e.type,
    topic: TOPICS[e.type] ?? `custom.${e.type.toLowerCase()}`,
    source: e.source,
    version: 1,
    client_timestamp: e.timestamp,
    received_at: startMs + offset * 1000,
    payload: e.payload,
  }));
}
