/**
 * The newest durable events in memory (up to a byte budget), so that readers near the head —
 * the analytics projection, live advice, stream catch-up — are served without a synchronous
 * SQLite read on the event loop. Holds the very objects handed to head listeners.
 * @module
 */
import type { StoredEvent } from "../event_log.ts";

export class RecentEvents {
  readonly #maxBytes: number;
  #events: StoredEvent[] = [];
  /** Index in #events of the oldest kept event (evicted ones are dropped in bulk). */
  #start = 0;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The oldest offset held, or Infinity when empty. */
  get first(): number {
    return this.#events[this.#start]?.offset ?? Infinity;
  }

  /** Adds newly durable events (offsets continuing the held ones), evicting the oldest. */
  add(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.#events.push(e);
      this.#bytes += e.json.length;
    }
    while (this.#bytes > this.#maxBytes && this.#start < this.#events.length) {
      this.#bytes -= this.#events[this.#start++].json.length;
    }
    if (this.#start > 1024 && this.#start * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Held events from `offset` on (offset ≥ first), in order, up to `limit` (before filtering). */
  slice(offset: number, limit: number): StoredEvent[] {
    const at = this.#start + (offset - this.first);
    return this.#events.slice(at, at + limit);
  }
}
