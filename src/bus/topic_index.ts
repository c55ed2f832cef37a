/**
 * Which topics the log holds: name → events seen and last offset. Fed by the log tail, saved to
 * Deno KV (["bus", "topics"]) every few seconds, and on start back-filled from the log for the
 * part the saved copy had not covered.
 * @module
 */
import type { EventLog, StoredEvent, TopicMatcher } from "../log/mod.ts";

export interface TopicStats {
  readonly name: string;
  readonly events: number;
  readonly lastOffset: number;
}

interface Saved {
  covered: number;
  topics: [string, number, number][];
}

const KEY: Deno.KvKey = ["bus", "topics"];
/** Topics tracked at most (a Deno KV value holds 64 KiB; custom.* types are unbounded). */
const MAX_TOPICS = 1_000;
const SAVE_INTERVAL_MS = 5_000;

export class TopicIndex {
  readonly #kv: Deno.Kv;
  readonly #topics = new Map<string, { events: number; lastOffset: number }>();
  /** Every event below this offset is counted (once the back-fill is done). */
  #covered = 0;
  /** One past the last event the tail fed. */
  #tailEnd = 0;
  #backfilled = false;
  #closed = false;
  #dirty = false;
  #timer: ReturnType<typeof setInterval>;
  #backfill: Promise<void> = Promise.resolve();

  private constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.#timer = setInterval(() => this.#save(), SAVE_INTERVAL_MS);
  }

  /** Loads the saved index and counts, in the background, events from it up to `tailFrom`. */
  static async open(
    kv: Deno.Kv,
    log: EventLog,
    tailFrom: number,
    onError: (err: unknown) => void,
  ): Promise<TopicIndex> {
    const index = new TopicIndex(kv);
    const saved = (await kv.get<Saved>(KEY)).value;
    if (saved && saved.covered <= tailFrom) {
      index.#covered = saved.covered;
      for (const [name, events, lastOffset] of saved.topics) {
        index.#topics.set(name, { events, lastOffset });
      }
    }
    const from = index.#covered;
    index.#backfill = (async () => {
      for await (const e of log.read(from, { limit: Math.max(0, tailFrom - from) })) {
        if (e.offset >= tailFrom || index.#closed) return;
        index.#count(e);
      }
      index.#covered = tailFrom;
      index.#backfilled = true;
      index.#dirty = true;
    })().catch(onError);
    return index;
  }

  /** Counts events the tail took. */
  add(events: readonly StoredEvent[]): void {
    for (const e of events) this.#count(e);
    if (events.length > 0) this.#tailEnd = events[events.length - 1].offset + 1;
  }

  list(patterns?: TopicMatcher): TopicStats[] {
    return [...this.#topics]
      .filter(([name]) => !patterns || patterns(name))
      .map(([name, s]) => ({ name, events: s.events, lastOffset: s.lastOffset }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#closed = true;
    await this.#backfill;
    this.#dirty = true;
    await this.#save();
  }

  #count(e: StoredEvent): void {
    const s = this.#topics.get(e.topic);
    if (s) {
      s.events++;
      if (e.offset > s.lastOffset) s.lastOffset = e.offset;
    } else if (this.#topics.size < MAX_TOPICS) {
      this.#topics.set(e.topic, { events: 1, lastOffset: e.offset });
    }
    this.#dirty = true;
  }

  async #save(): Promise<void> {
    // Saved only once the back-fill is done, so a restart never counts an event twice.
    if (!this.#dirty || !this.#backfilled) return;
    this.#dirty = false;
    const covered = Math.max(this.#covered, this.#tailEnd);
    const topics = [...this.#topics].map(([n, s]): [string, number, number] => [
      n,
      s.events,
      s.lastOffset,
    ]);
    const saved: Saved = { covered, topics };
    await this.#kv.set(KEY, saved).catch(() => {});
  }
}
