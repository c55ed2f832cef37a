// Test helpers: the BalatroMCP fixtures, and stored envelopes made from them the way the bus core
// stores events (docs/design.md#the-envelope), so the protobuf conversion can be tested without a
// running bus.

import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { EnvelopeJson, RepairJson } from "../../src/proto/mod.ts";
import { routeTopic } from "../../src/ingest/mod.ts";

/** The BalatroMCP fixture folder (tests/testdata/balatromcp). */
export const FIXTURE_DIR = new URL("../testdata/balatromcp/", import.meta.url);

/** Mod bodies that are JSON batches or single events (everything but the command channel). */
export const EVENT_FIXTURES = [
  "connection_test.json",
  "game_state_initial.json",
  "heartbeat_batch.json",
  "state_diff_batch.json",
  "scoring_sequence.json",
  "round_complete.json",
  "jokers_changed_empty.json",
  "resent_duplicates.json",
  "menu_state.json",
  "nan_inf_numbers.txt",
  "raw_control_char.txt",
] as const;

/** Reads a fixture as text. */
export function readFixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURE_DIR));
}

// A bare nan/inf token in value position: after ":" or "," or "[" and before "," "}" or "]".
// The fixtures keep these tokens out of strings, which is all this test stand-in needs.
const NON_FINITE = /([:,[])(-?nan|-?inf)(?=[,}\]])/g;
// deno-lint-ignore no-control-regex -- matching raw control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/**
 * The lenient repair the core applies, reduced to what the fixtures need: each bare `nan`,
 * `-nan`, `inf`, `-inf` becomes `null`, each raw control character is escaped.
 */
export function repairFixture(text: string): JsonObject {
  const repaired = text
    .replace(NON_FINITE, (_m, before: string) => `${before}null`)
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return JSON.parse(repaired);
}

const ENVELOPE_KEYS = new Set(["event_id", "type", "subtype", "source", "version", "priority"]);

/** The events of a body: the batch's `events`, or the body itself for the probe. */
export function eventsOf(body: JsonObject): JsonObject[] {
  return Array.isArray(body.events) ? body.events as JsonObject[] : [body];
}

/**
 * Stored envelopes for a body, as the core writes them: known keys to envelope fields, `data`
 * as the probe's payload, every other key verbatim in `extras`.
 */
export function storedEnvelopes(
  body: JsonObject,
  repairs: ReadonlyMap<number, RepairJson[]> = new Map(),
): EnvelopeJson[] {
  return eventsOf(body).map((event, i) => {
    const type = String(event.type);
    const subtype = typeof event.subtype === "string" ? event.subtype : undefined;
    const envelope: EnvelopeJson = {
      offset: 1000 + i,
      event_id: typeof event.event_id === "string" ? event.event_id : `generated-${i}`,
      type,
      topic: routeTopic(type, subtype),
      source: typeof event.source === "string" ? event.source : "unknown",
      version: event.version ?? 1,
      client_timestamp: event.timestamp ?? null,
      received_at: 1764489600123 + i,
      payload: (event.payload ?? event.data ?? {}) as JsonValue,
    };
    if (subtype !== undefined) envelope.subtype = subtype;
    if (typeof event.priority === "string") envelope.priority = event.priority;
    if (typeof body.batch_id === "string") envelope.batch_id = body.batch_id;
    const extras: JsonObject = {};
    for (const [key, value] of Object.entries(event)) {
      if (ENVELOPE_KEYS.has(key) || key === "timestamp" || key === "payload") continue;
      if (key === "data" && event.payload === undefined) continue;
      extras[key] = value;
    }
    if (Object.keys(extras).length > 0) envelope.extras = extras;
    const fixes = repairs.get(i);
    if (fixes) envelope.repairs = fixes;
    return envelope;
  });
}
