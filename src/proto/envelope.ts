// The stored envelope (docs/design.md#the-envelope) as JSON and as the typed
// `jimbot.events.v1.Envelope`, and its
// length-delimited protobuf stream. Pure: no I/O.

import { fromBinary, type JsonObject, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { sizeDelimitedEncode } from "@bufbuild/protobuf/wire";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { type Envelope, EnvelopeSchema } from "../gen/jimbot/events/v1/envelope_pb.ts";
import { isJsonObject } from "./_json_message.ts";
import { eventLikeToJson, eventLikeToMessage } from "./payload.ts";

/** One lenient-parse fix, as stored. */
export interface RepairJson {
  path: string;
  /** "non_finite_number" or "control_character". */
  kind: string;
  original: string;
  replacement: JsonValue;
}

/** The stored envelope as JSON: what the event log writes and `GET /api/v1/events` returns. */
export interface EnvelopeJson {
  offset: number;
  event_id: string;
  /** As sent, case kept. */
  type: string;
  subtype?: string;
  topic: string;
  source: string;
  version?: JsonValue;
  priority?: string;
  /** The event's `timestamp` as sent (game-clock ms for the mod). */
  client_timestamp?: JsonValue;
  /** Server epoch ms at commit. */
  received_at: number;
  batch_id?: string;
  payload?: JsonValue;
  /** Every other top-level field of the event, verbatim. */
  extras?: JsonObject;
  repairs?: RepairJson[];
}

/**
 * Anything shaped like a stored envelope: the keys of {@linkcode EnvelopeJson}, values unchecked
 * (they are checked at run time, and what does not fit is kept in `unmapped`).
 */
export type EnvelopeLike = { readonly [K in keyof EnvelopeJson]?: unknown };

/**
 * Converts a stored envelope (JSON) to the typed message. Lossless: `messageToEnvelope` gives
 * back an object equal to the input key for key and value for value.
 *
 * @throws {TypeError} when `json` is not an object
 */
export function envelopeToMessage(json: EnvelopeLike): Envelope {
  if (!isJsonObject(json)) throw new TypeError("Cannot convert envelope: it is not a JSON object");
  return eventLikeToMessage<Envelope>(EnvelopeSchema, json as JsonObject);
}

/** Converts the typed message back to the stored envelope JSON. */
export function messageToEnvelope(message: Envelope): EnvelopeJson {
  return eventLikeToJson(EnvelopeSchema, message) as unknown as EnvelopeJson;
}

/** Encodes one stored envelope (JSON) as a protobuf `Envelope` (for `GET /api/v1/events/{offset}`). */
export function encodeEnvelope(json: EnvelopeLike): Uint8Array<ArrayBuffer> {
  return toBinary(EnvelopeSchema, envelopeToMessage(json)) as Uint8Array<ArrayBuffer>;
}

/** Decodes one protobuf `Envelope` to the typed message. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return fromBinary(EnvelopeSchema, bytes);
}

/**
 * Encodes one stored envelope as a size-delimited record: a varint byte length, then the
 * `Envelope` bytes (protobuf's `writeDelimitedTo` framing), so records can be streamed one by one.
 */
export function encodeEnvelopeDelimited(json: EnvelopeLike): Uint8Array<ArrayBuffer> {
  return sizeDelimitedEncode(EnvelopeSchema, envelopeToMessage(json)) as Uint8Array<ArrayBuffer>;
}

/**
 * Encodes stored envelopes as one length-delimited protobuf stream: the body of
 * `GET /api/v1/events` for `Accept: application/x-protobuf`.
 */
export function encodeEnvelopesDelimited(
  envelopes: Iterable<EnvelopeLike>,
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const envelope of envelopes) {
    const part = encodeEnvelopeDelimited(envelope);
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Decodes a complete length-delimited stream of `Envelope` records.
 *
 * @throws {SyntaxError} when the stream is truncated or a record is not a valid `Envelope`
 */
export function decodeEnvelopesDelimited(bytes: Uint8Array): Envelope[] {
  const out: Envelope[] = [];
  const reader = new BinaryReader(bytes);
  try {
    while (reader.pos < reader.len) {
      out.push(fromBinary(EnvelopeSchema, reader.bytes()));
    }
  } catch (err) {
    throw new SyntaxError(
      `Cannot decode envelope stream: record ${out.length + 1}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return out;
}
