/**
 * Topic statistics of the KV log, saved one key per topic (["topics", "t", name] → [events,
 * lastOffset]) plus ["topics", "covered"]: every event below `covered` is in the saved figures.
 * Saves are a few seconds apart; after a crash the events from `covered` on are counted again
 * from the log, skipping per topic what its saved `lastOffset` already includes (so a save cut
 * short between commits never counts an event twice).
 * @module
 */
import type { EventLog, StoredEvent, TopicStats } from "./event_log.ts";
import { PREFIX } from "./keyspace.ts";
import { type TopicCount, TopicCounter } from "./topic_counter.ts";
import type { TopicMatcher } from "./topic_pattern.ts";

const COVERED: Deno.KvKey = [PREFIX.topics, "covered"];
const topicKey = (name: string): Deno.KvKey => [PREFIX.topics, "t", name];
const SAVE_INTERVAL_MS = 5_000;
/** Per atomic commit, under Deno KV's 1000 mutations. */
const SETS_PER_COMMIT = 500;

export class KvTopicStats {
  readonly #kv: Deno.Kv;
  readonly #counter = new TopicCounter();
  readonly #onError: (err: unknown) => void;
  /** The log head now: every event below it has been handed to add(). */
  readonly #head: () => number;
  #backfill: Promise<void> = Promise.resolve();
  #backfilled = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(kv: Deno.Kv, head: () => number, onError: (err: unknown) => void) {
    this.#kv = kv;
    this.#head = head;
    this.#onError = onError;
  }

  /**
   * Loads the saved figures and counts, in the background, the log's events from the saved
   * `covered` up to the head now; later events come through add().
   */
  static async open(
    kv: Deno.Kv,
    log: Pick<EventLog, "read" | "bounds">,
    onError: (err: unknown) => void,
  ): Promise<KvTopicStats> {
    const stats = new KvTopicStats(kv, () => log.bounds().head, onError);
    const head = log.bounds().head;
    const covered = (await kv.get<number>(COVERED)).value ?? 0;
    const saved = new Map<string, TopicCount>();
    for await (const e of kv.list<[number, number]>({ prefix: [PREFIX.topics, "t"] })) {
      const [events, lastOffset] = e.value;
      saved.set(e.key[2] as string, { events, lastOffset });
      stats.#counter.restore(e.key[2] as string, { events, lastOffset });
    }
    stats.#backfill = (async () => {
      const missed: StoredEvent[] = [];
      for await (const e of log.read(covered, { limit: Math.max(0, head - covered) })) {
        if (e.offset >= head || stats.#closed) break;
        if (e.offset > (saved.get(e.topic)?.lastOffset ?? -1)) missed.push(e);
        if (missed.length >= 4_096) stats.#counter.add(missed.splice(0));
      }
      stats.#counter.add(missed);
      stats.#backfilled = !stats.#closed;
    })();
    stats.#backfill.catch((err) =>
      onError(new Error("counting topics from the log failed", { cause: err }))
    );
    stats.#timer = setInterval(() => stats.save(), SAVE_INTERVAL_MS);
    return stats;
  }

  /** Counts events just made durable. */
  add(events: readonly StoredEvent[]): void {
    this.#counter.add(events);
  }

  async list(topics?: TopicMatcher): Promise<TopicStats[]> {
    await this.#backfill.catch(() => {});
    return this.#counter.list(topics);
  }

  /**
   * Saves what changed, one save at a time; a failure is reported and the figures are saved
   * again next time.
   */
  save(): Promise<void> {
    this.#saving = this.#saving.then(() => this.#save());
    return this.#saving;
  }

  /** Stops the timer and saves once more (call it after the log's last commit). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#closed = true;
    await this.#backfill.catch(() => {});
    await this.save();
  }

  async #save(): Promise<void> {
    // Only once the back-fill is done: before that, `covered` would claim uncounted events.
    if (!this.#backfilled) return;
    // Taken together: the figures include exactly the events below `covered`.
    const covered = this.#head();
    const changed = this.#counter.takeChanged();
    try {
      for (let i = 0; i < changed.length; i += SETS_PER_COMMIT) {
        const op = this.#kv.atomic();
        for (const [name, s] of changed.slice(i, i + SETS_PER_COMMIT)) {
          op.set(topicKey(name), [s.events, s.lastOffset]);
        }
        if (!(await op.commit()).ok) throw new Error("Deno KV refused a commit");
      }
      await this.#kv.set(COVERED, covered);
    } catch (err) {
      this.#counter.markChanged(changed.map(([name]) => name));
      this.#onError(new Error("saving topic statistics failed", { cause: err }));
    }
  }
}
