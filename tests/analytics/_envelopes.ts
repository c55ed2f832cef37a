/**
 * Test kit: mod events as the log would store them (docs/design.md#the-envelope), for projecting
 * in-process.
 * @module
 */
import type { ModEvent } from "./_game_generator.ts";
import { routeTopic } from "../../src/ingest/mod.ts";

/** Envelopes at offsets 0.., received one second apart from `startMs`. */
export function toEnvelopes(events: readonly ModEvent[], startMs = Date.UTC(2026, 0, 1)) {
  return events.map((e, offset) => ({
    offset,
    event_id: e.event_id,
    type: e.type,
    topic: routeTopic(e.type, undefined),
    source: e.source,
    version: 1,
    client_timestamp: e.timestamp,
    received_at: startMs + offset * 1000,
    payload: e.payload,
  }));
}
