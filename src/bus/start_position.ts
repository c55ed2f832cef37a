/**
 * Where a subscription starts: earliest, latest, an offset, or the first event received at or
 * after a time (the log's own time→offset lookup).
 * @module
 */
import type { EventLog } from "../log/mod.ts";

/** A start request, independent of the protocol that carried it. */
export type Start =
  | { readonly kind: "earliest" }
  | { readonly kind: "latest" }
  | { readonly kind: "offset"; readonly offset: number }
  | { readonly kind: "time"; readonly epochMs: number };

/** The first offset to deliver for `start`. */
export async function resolveStart(log: EventLog, start: Start): Promise<number> {
  const { first, head } = log.bounds();
  switch (start.kind) {
    case "earliest":
      return first;
    case "latest":
      return head;
    case "offset":
      return Math.max(start.offset, first);
    case "time":
      return await log.offsetAtTime(start.epochMs);
  }
}
