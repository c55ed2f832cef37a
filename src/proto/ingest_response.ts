// The ingest answer ({"status":"ok","accepted":n,"duplicates":d,"offsets":[first,last]} or
// {"status":"error","error":"…","details":[…]}) as a protobuf `IngestResponse`. Pure: no I/O.

import { fromBinary, type JsonObject, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { IngestResponseSchema } from "../gen/jimbot/events/v1/ingest_pb.ts";
import { isJsonObject, jsonToMessage, messageToJson } from "./_json_message.ts";

/** The ingest answer as JSON. Keys the schema does not know travel in `unmapped`. */
export interface IngestResponseJson {
  status: string;
  accepted?: number;
  duplicates?: number;
  offsets?: number[];
  error?: string;
  details?: JsonValue[];
  [key: string]: JsonValue | undefined;
}

/**
 * Encodes an ingest answer (the JSON object the bus would send) as a protobuf `IngestResponse`,
 * for requests that ask for `application/x-protobuf`.
 *
 * @throws {TypeError} when `json` is not an object
 */
export function encodeIngestResponse(json: object): Uint8Array<ArrayBuffer> {
  if (!isJsonObject(json)) throw new TypeError("Cannot encode ingest answer: it is not an object");
  return toBinary(
    IngestResponseSchema,
    jsonToMessage(IngestResponseSchema, json) as never,
  ) as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes a protobuf `IngestResponse` back to the JSON answer.
 *
 * @throws {SyntaxError} when the bytes are not a valid `IngestResponse`
 */
export function decodeIngestResponse(bytes: Uint8Array): IngestResponseJson {
  try {
    const message = fromBinary(IngestResponseSchema, bytes);
    return messageToJson(
      IngestResponseSchema,
      message as unknown as Record<string, unknown>,
    ) as JsonObject as IngestResponseJson;
  } catch (err) {
    throw new SyntaxError(`Cannot decode ingest answer: ${(err as Error).message}`, { cause: err });
  }
}
