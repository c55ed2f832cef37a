/**
 * One inbound /api/v1/ws frame → what it asks for: a JSON object (an op, or a batch/event to
 * ingest) from a text frame, or a protobuf `EventBatch` from a binary frame. Every way a frame
 * can be unusable becomes a BusError naming the problem. Pure: no I/O.
 * @module
 */
import { BusError } from "../errors.ts";
import type { Limits } from "../config.ts";
import { parseLenientJson } from "../ingest/mod.ts";
import { type BatchJson, decodeBatch } from "../proto/mod.ts";

export type InboundFrame =
  | { readonly kind: "json"; readonly msg: Record<string, unknown> }
  | { readonly kind: "protobuf_batch"; readonly batch: BatchJson };

const encoder = new TextEncoder();

/** Reads one frame; `data` is what the WebSocket delivered (binaryType "arraybuffer"). */
export function readFrame(data: unknown, limits: Limits): InboundFrame {
  if (typeof data === "string") {
    if (encoder.encode(data).length > limits.maxBodyBytes) throw tooLarge();
    let value: unknown;
    try {
      value = parseLenientJson(data, limits.maxJsonDepth).value;
    } catch (err) {
      throw new BusError("malformed", `Cannot parse the text frame as JSON: ${message(err)}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new BusError("malformed", "A text frame must hold one JSON object");
    }
    return { kind: "json", msg: value as Record<string, unknown> };
  }
  if (data instanceof ArrayBuffer) {
    if (data.byteLength > limits.maxBodyBytes) throw tooLarge();
    if (data.byteLength === 0) {
      throw new BusError("malformed", "An empty binary frame; send a protobuf EventBatch");
    }
    try {
      return { kind: "protobuf_batch", batch: decodeBatch(new Uint8Array(data)) };
    } catch (err) {
      throw new BusError("malformed", message(err));
    }
  }
  throw new BusError("malformed", "Unsupported frame; send JSON text or a protobuf EventBatch");

  function tooLarge(): BusError {
    return new BusError(
      "too_large",
      `The frame is larger than ${limits.maxBodyBytes} bytes (--max-body-bytes)`,
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
