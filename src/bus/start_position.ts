/**
 * Where a subscription starts: earliest, latest, an offset, or the first event received at or
 * after a time (binary search over the log; received_at only grows between commits).
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
      return await offsetAtTime(log, start.epochMs, first, head);
  }
}

async function offsetAtTime(
  log: EventLog,
  epochMs: number,
  first: number,
  head: number,
): Promise<number> {
  let lo = first;
  let hi = head; // answer in [lo, hi]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let at: { offset: number; receivedAt: number } | undefined;
    for await (const e of log.read(mid, { limit: 1 })) at = e;
    if (!at) return hi;
    if (at.receivedAt >= epochMs) hi = Math.min(mid, at.offset);
    else lo = at.offset + 1;
  }
  return lo;
}
