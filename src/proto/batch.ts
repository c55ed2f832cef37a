// Protobuf ingest bodies: `EventBatch` (POST /api/v1/events/batch) and `Event`
// (POST /api/v1/events), converted to and from the mod's JSON shapes so the JSON ingest path can
// take them unchanged. Pure: no I/O.

import { fromBinary, type JsonObject, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { type Event, EventSchema } from "../gen/jimbot/events/v1/envelope_pb.ts";
import { type EventBatch, EventBatchSchema } from "../gen/jimbot/events/v1/ingest_pb.ts";
import { isJsonObject, jsonToMessage, messageToJson } from "./_json_message.ts";
import { eventLikeToJson, eventLikeToMessage } from "./payload.ts";

/** A batch body as JSON ingest takes it (the mod's, docs/mod-protocol.md#the-batch-envelope). */
export interface BatchJson {
  batch_id?: string;
  source?: string;
  /** Epoch ms for the mod. */
  timestamp?: JsonValue;
  /** Mod-shaped event objects: `type`, `event_id`, `timestamp`, `payload`, extras at top level. */
  events: JsonObject[];
  [key: string]: JsonValue | undefined;
}

const EVENTS_KEY = "events";
const SKIP_EVENTS: ReadonlySet<string> = new Set([EVENTS_KEY]);

/**
 * Converts one mod-shaped JSON event to an `Event` message: the known keys typed, `payload` as
 * the typed payload for its type, every other key in `extras`.
 */
export function eventToMessage(json: JsonObject): Event {
  return eventLikeToMessage<Event>(EventSchema, json);
}

/** Converts an `Event` message to the mod-shaped JSON event (extras back at top level). */
export function messageToEvent(message: Event): JsonObject {
  return eventLikeToJson(EventSchema, message);
}

/** Converts a JSON batch body to an `EventBatch` message. */
export function batchToMessage(json: JsonObject): EventBatch {
  const message = jsonToMessage(EventBatchSchema, json, { skip: SKIP_EVENTS }) as
    & EventBatch
    & Record<string, unknown>;
  const events = json[EVENTS_KEY];
  if (Array.isArray(events) && events.every(isJsonObject)) {
    message.events = events.map((event) => eventToMessage(event as JsonObject));
  } else if (events !== undefined) {
    message.unmapped = { ...message.unmapped, [EVENTS_KEY]: events };
  }
  return message;
}

/** Converts an `EventBatch` message to the JSON batch body (always with an `events` array). */
export function messageToBatch(message: EventBatch): BatchJson {
  const json = messageToJson(
    EventBatchSchema,
    message as unknown as Record<string, unknown>,
    { skip: SKIP_EVENTS },
  );
  if (!Object.hasOwn(json, EVENTS_KEY) || message.events.length > 0) {
    json[EVENTS_KEY] = message.events.map(messageToEvent);
  }
  return json as BatchJson;
}

/** Encodes a JSON batch body as a protobuf `EventBatch` (what a protobuf producer sends). */
export function encodeBatch(json: JsonObject): Uint8Array<ArrayBuffer> {
  return toBinary(EventBatchSchema, batchToMessage(json)) as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes a protobuf `EventBatch` body (`Content-Type: application/x-protobuf` on
 * POST /api/v1/events/batch) to the JSON batch the JSON ingest path takes.
 *
 * @throws {SyntaxError} when the bytes are not a valid `EventBatch`
 */
export function decodeBatch(bytes: Uint8Array): BatchJson {
  let message: EventBatch;
  try {
    message = fromBinary(EventBatchSchema, bytes);
  } catch (err) {
    throw new SyntaxError(`Cannot decode protobuf batch: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return messageToBatch(message);
}

/** Encodes one JSON event as a protobuf `Event`. */
export function encodeEvent(json: JsonObject): Uint8Array<ArrayBuffer> {
  return toBinary(EventSchema, eventToMessage(json)) as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes a protobuf `Event` body (`Content-Type: application/x-protobuf` on POST /api/v1/events)
 * to the mod-shaped JSON event.
 *
 * @throws {SyntaxError} when the bytes are not a valid `Event`
 */
export function decodeEvent(bytes: Uint8Array): JsonObject {
  let message: Event;
  try {
    message = fromBinary(EventSchema, bytes);
  } catch (err) {
    throw new SyntaxError(`Cannot decode protobuf event: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return messageToEvent(message);
}
