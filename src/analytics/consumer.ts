/**
 * The analytics log consumer: catches up from its own offset (kept in the SQLite file), then
 * follows the log as new events become durable. Each batch and its offset commit together.
 * @module
 */
import { Wakeup } from "../wakeup.ts";
import type { EventLog } from "../log/mod.ts";
import type { Envelope } from "./projector.ts";
import type { AnalyticsStore } from "./store.ts";

/** Events read and applied per transaction. */
export const DEFAULT_BATCH_EVENTS = 2_000;
const PRUNE_INTERVAL_MS = 60_000;
/**
 * After new events are announced, wait this long before reading them: many small commits then
 * become one read and one SQLite transaction instead of one each.
 */
const LINGER_MS = 100;
/**
 * The projection shares the event loop with ingest: between batches it rests as long as the
 * batch took, so it takes at most about half of the thread and falls behind (then catches up)
 * rather than slowing producers.
 */
const REST_PER_WORK = 1;

export interface ConsumerOptions {
  /** Raw rows older than this are deleted (rollups stay); 0 keeps them. */
  readonly rawMaxAgeMs: number;
  readonly batchEvents?: number;
  /** Called after each committed batch (the PostgreSQL mirror hangs here). */
  readonly onBatch?: () => void;
  readonly onError: (err: unknown) => void;
}

/** Follows `log` into `store` until stopped. */
export class AnalyticsConsumer {
  #log: EventLog;
  #store: AnalyticsStore;
  #opts: ConsumerOptions;
  #stopped = false;
  /** Notified when the log head advances and on stop. */
  readonly #wakeup = new Wakeup();
  #unsubscribe: () => void;
  #loop: Promise<void>;
  #lastPruneMs = 0;
  #applied = 0;

  constructor(log: EventLog, store: AnalyticsStore, opts: ConsumerOptions) {
    this.#log = log;
    this.#store = store;
    this.#opts = opts;
    this.#unsubscribe = log.onHead(() => this.#wakeup.notify());
    this.#loop = this.#run();
  }

  /** Events applied since start. */
  get applied(): number {
    return this.#applied;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    this.#wakeup.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const progressed = await catchUp(
          this.#log,
          this.#store,
          this.#opts.batchEvents,
          () => this.#stopped,
          REST_PER_WORK,
        );
        this.#applied += progressed;
        if (progressed > 0) this.#opts.onBatch?.();
        this.#prune();
      } catch (err) {
        this.#opts.onError(err);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (this.#stopped) break;
      if (this.#store.offset >= this.#log.bounds().head) {
        await this.#wakeup.wait();
        if (!this.#stopped) await new Promise((r) => setTimeout(r, LINGER_MS));
      }
    }
  }

  #prune(): void {
    const now = Date.now();
    if (this.#opts.rawMaxAgeMs <= 0 || now - this.#lastPruneMs < PRUNE_INTERVAL_MS) return;
    this.#lastPruneMs = now;
    this.#store.pruneRaw(now - this.#opts.rawMaxAgeMs);
  }
}

/**
 * Applies every event from the store's offset to the log's head, batch by batch; returns how
 * many were applied. Starts at the oldest retained event when the stored offset is older.
 * `restPerWork` > 0 rests that many times each batch's duration before the next.
 */
export async function catchUp(
  log: EventLog,
  store: AnalyticsStore,
  batchEvents = DEFAULT_BATCH_EVENTS,
  stopped: () => boolean = () => false,
  restPerWork = 0,
): Promise<number> {
  let total = 0;
  while (!stopped()) {
    const started = performance.now();
    const from = Math.max(store.offset, log.bounds().first);
    const batch: Envelope[] = [];
    let next = from;
    for await (const stored of log.read(from, { limit: batchEvents })) {
      batch.push(JSON.parse(stored.json) as Envelope);
      next = stored.offset + 1;
    }
    if (batch.length === 0) return total;
    total += store.apply(batch, next);
    // Let requests run between batches: node:sqlite is synchronous.
    const restMs = (performance.now() - started) * restPerWork;
    await new Promise((r) => setTimeout(r, restMs));
  }
  return total;
}
