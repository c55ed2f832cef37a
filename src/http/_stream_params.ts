/**
 * Subscription parameters of the plain-HTTP stream endpoints (SSE query, WebSocket messages).
 * @module
 */
import { BusError } from "../errors.ts";
import type { Start } from "../bus/mod.ts";

/** `earliest`, `latest`, an offset, or (with `at`) an epoch-ms time. */
export function parseStart(from: unknown, at: unknown): Start | undefined {
  if (at !== undefined && at !== null && at !== "") {
    const ms = Number(at);
    if (!Number.isFinite(ms)) throw new BusError("malformed", `"at" must be epoch ms: got "${at}"`);
    return { kind: "time", epochMs: ms };
  }
  if (from === undefined || from === null || from === "") return undefined;
  if (from === "earliest" || from === "latest") return { kind: from };
  const n = Number(from);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new BusError(
      "malformed",
      `"from" must be earliest, latest or an offset: got "${String(from)}"`,
    );
  }
  return { kind: "offset", offset: n };
}

/** A comma-separated string or a list of patterns. */
export function parseTopics(topics: unknown): string[] {
  if (topics === undefined || topics === null) return [];
  if (typeof topics === "string") return topics.split(",");
  if (Array.isArray(topics) && topics.every((t) => typeof t === "string")) return topics;
  throw new BusError("malformed", '"topics" must be a string or a list of strings');
}
