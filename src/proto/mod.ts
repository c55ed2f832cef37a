// Protobuf for the bus: the stored envelope and ingest bodies converted between their JSON shapes
// and the typed jimbot.events.v1 messages (generated into src/gen/ from proto/). Pure: no I/O.
// The HTTP layer negotiates content types and calls these; it never touches src/gen/ directly.

/** The media type of every protobuf body the bus reads or writes. */
export const PROTOBUF_MEDIA_TYPE = "application/x-protobuf";

export {
  decodeEnvelope,
  decodeEnvelopesDelimited,
  encodeEnvelope,
  encodeEnvelopeDelimited,
  encodeEnvelopesDelimited,
  type EnvelopeJson,
  type EnvelopeLike,
  envelopeToMessage,
  messageToEnvelope,
  type RepairJson,
} from "./envelope.ts";
export {
  type BatchJson,
  batchToMessage,
  decodeBatch,
  decodeEvent,
  encodeBatch,
  encodeEvent,
  eventToMessage,
  messageToBatch,
  messageToEvent,
} from "./batch.ts";
export {
  decodeIngestResponse,
  encodeIngestResponse,
  type IngestResponseJson,
} from "./ingest_response.ts";
export {
  commandFromLine,
  commandsFromPollText,
  commandToLine,
  decodeCommandLines,
  encodeCommandLines,
} from "./commands.ts";
export {
  PAYLOAD_SCHEMAS,
  payloadCaseFor,
  type PayloadOneof,
  payloadToJson,
  payloadToMessage,
  type TypedPayloadCase,
} from "./payload.ts";
export {
  type Envelope,
  EnvelopeSchema,
  type Event,
  EventSchema,
  type Repair,
} from "../gen/jimbot/events/v1/envelope_pb.ts";
export { type EventBatch, EventBatchSchema } from "../gen/jimbot/events/v1/ingest_pb.ts";
export type * from "../gen/jimbot/events/v1/payloads_pb.ts";
export type * from "../gen/jimbot/events/v1/game_pb.ts";
