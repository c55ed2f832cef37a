/**
 * The client event_ids of the dedupe window, each with its offset: what answers a resend older
 * than JetStream's own duplicate window (see js_event_log.ts). Bounded like the other logs' id
 * index: by age, by count, and to offsets still retained.
 * @module
 */

export class RecentIds {
  /** event_id → offset and received_at, oldest first (Map order). */
  readonly #ids = new Map<string, { offset: number; at: number }>();
  readonly #limits: { readonly dedupeWindowMs: number; readonly dedupeMaxIds: number };
  readonly #first: () => number;

  /** `first` says the oldest retained offset (older ids are forgotten). */
  constructor(
    limits: { readonly dedupeWindowMs: number; readonly dedupeMaxIds: number },
    first: () => number,
  ) {
    this.#limits = limits;
    this.#first = first;
  }

  get(id: string): { offset: number } | undefined {
    return this.#ids.get(id);
  }

  /** Records an id (received at `at`), then forgets what fell out of the window. */
  remember(id: string, offset: number, at: number): void {
    this.#ids.set(id, { offset, at });
    const oldest = Date.now() - this.#limits.dedupeWindowMs;
    const first = this.#first();
    for (const [key, v] of this.#ids) {
      if (this.#ids.size <= this.#limits.dedupeMaxIds && v.at >= oldest && v.offset >= first) break;
      this.#ids.delete(key);
    }
  }
}
