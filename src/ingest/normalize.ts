/**
 * One event object as the mod sends it → the canonical envelope fields
 * (docs/design.md#the-envelope), or the
 * reason it cannot be used. Nothing the client sent is dropped: fields the envelope has no
 * place for go to `extras` verbatim.
 * @module
 */
import type { EventRepair, NewEvent } from "../log/event_log.ts";
import { routeTopic } from "./topic_routing.ts";
import { uuidv7 } from "./uuidv7.ts";

/** Batch-level facts every event of the batch inherits. */
export interface BatchContext {
  readonly batchId?: string;
  /** The batch's `source`, used for events that carry none. */
  readonly source?: string;
  readonly maxFieldChars: number;
}

export type Normalized = { ok: true; event: NewEvent } | { ok: false; reason: string };

// Fields the envelope always holds itself, whatever their value.
const ALWAYS_ENVELOPE = new Set(["type", "version", "priority", "timestamp"]);

/** Validates and normalises one element of `events[]` (or the single-event body). */
export function normalizeEvent(
  raw: unknown,
  repairs: readonly EventRepair[],
  ctx: BatchContext,
): Normalized {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: `event is ${describe(raw)}, not a JSON object` };
  }
  const obj = raw as Record<string, unknown>;
  const type = obj.type;
  if (type === undefined) return { ok: false, reason: 'event has no "type"' };
  if (typeof type !== "string") {
    return { ok: false, reason: `"type" is ${describe(type)}, not a string` };
  }
  if (type.trim() === "") return { ok: false, reason: '"type" is empty' };
  const tooLong = firstTooLong(obj, ctx.maxFieldChars);
  if (tooLong) return { ok: false, reason: tooLong };

  let eventId: string;
  let clientEventId = true;
  const rawId = obj.event_id;
  if (typeof rawId === "string" && rawId !== "") eventId = rawId;
  else if (typeof rawId === "number" && Number.isFinite(rawId)) eventId = String(rawId);
  else if (rawId === undefined || rawId === null || rawId === "") {
    eventId = uuidv7();
    clientEventId = false;
  } else return { ok: false, reason: `"event_id" is ${describe(rawId)}, not a string` };

  const subtype = typeof obj.subtype === "string" ? obj.subtype : undefined;
  const source = typeof obj.source === "string" ? obj.source : ctx.source ?? "unknown";
  // The probe carries its body under `data` instead of `payload`.
  const payloadKey = "payload" in obj ? "payload" : "data" in obj ? "data" : undefined;

  const extras: Record<string, unknown> = {};
  let hasExtras = false;
  for (const key of Object.keys(obj)) {
    if (key === payloadKey || ALWAYS_ENVELOPE.has(key)) continue;
    // Envelope fields that could not be used as such stay, as sent, in extras.
    if (key === "subtype" && subtype !== undefined) continue;
    if (key === "source" && typeof obj.source === "string") continue;
    if (key === "event_id" && (clientEventId || rawId === undefined || rawId === null)) continue;
    extras[key] = obj[key];
    hasExtras = true;
  }

  const event: NewEvent = {
    event_id: eventId,
    clientEventId,
    type,
    subtype,
    topic: routeTopic(type, subtype),
    source,
    version: "version" in obj ? obj.version : 1,
    priority: obj.priority,
    client_timestamp: obj.timestamp ?? null,
    batch_id: ctx.batchId,
    payload: payloadKey ? obj[payloadKey] : null,
    extras: hasExtras ? extras : undefined,
    repairs: repairs.length > 0 ? repairs : undefined,
  };
  return { ok: true, event };
}

function firstTooLong(obj: Record<string, unknown>, max: number): string | null {
  for (const key of ["type", "subtype", "event_id", "source"]) {
    const v = obj[key];
    if (typeof v === "string" && v.length > max) {
      return `"${key}" is ${v.length} characters long; the limit is ${max}`;
    }
  }
  return null;
}

/** "an array", "null", "a number" … for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const t = typeof value;
  return t === "object" ? "an object" : `a ${t}`;
}
