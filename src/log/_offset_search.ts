/**
 * offsetAtTime for any log: a binary search over one-event reads, since received_at never
 * decreases along the log.
 * @module
 */
import type { EventLog, StoredEvent } from "./event_log.ts";

/** The first offset received at or after `epochMs`; `head` when none is, `first` when all are. */
export async function offsetAtTimeByReads(
  log: Pick<EventLog, "read" | "bounds">,
  epochMs: number,
): Promise<number> {
  let { first: lo, head: hi } = log.bounds(); // the answer lies in [lo, hi]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let at: StoredEvent | undefined;
    for await (const e of log.read(mid, { limit: 1 })) at = e;
    if (!at) return hi;
    if (at.receivedAt >= epochMs) hi = Math.min(mid, at.offset);
    else lo = at.offset + 1;
  }
  return lo;
}
