/**
 * The analytics log consumer: catches up from the projection's own offset (kept in the SQLite
 * file), then follows the log as new events become durable. The projection runs in its worker:
 * this end only reads the stored envelopes (near the head they are in memory) and hands their
 * text over, one batch at a time; each batch and its offset commit together there.
 * @module
 */
import { Wakeup } from "../wakeup.ts";
import type { EventLog } from "../log/mod.ts";
import type { ProjectionWorker } from "./projection.ts";

/** Events read and applied per transaction. */
const DEFAULT_BATCH_EVENTS = 2_000;
/**
 * After new events are announced, wait this long before reading them: many small commits then
 * become one message and one SQLite transaction instead of one each.
 */
const LINGER_MS = 100;
const RETRY_MS = 1_000;

export interface ConsumerOptions {
  readonly batchEvents?: number;
  readonly onError: (err: unknown) => void;
}

/** Follows `log` into the projection until stopped. */
export class AnalyticsConsumer {
  #log: EventLog;
  #projection: ProjectionWorker;
  #opts: ConsumerOptions;
  #stopped = false;
  /** Notified when the log head advances and on stop. */
  readonly #wakeup = new Wakeup();
  #unsubscribe: () => void;
  #loop: Promise<void>;

  constructor(log: EventLog, projection: ProjectionWorker, opts: ConsumerOptions) {
    this.#log = log;
    this.#projection = projection;
    this.#opts = opts;
    this.#unsubscribe = log.onHead(() => this.#wakeup.notify());
    this.#loop = this.#run();
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
        await catchUp(this.#log, this.#projection, this.#opts.batchEvents, () => this.#stopped);
      } catch (err) {
        this.#opts.onError(err);
        if (this.#projection.dead) return; // nothing to retry: the error said why
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      if (this.#stopped) break;
      if (this.#projection.offset >= this.#log.bounds().head) {
        await this.#wakeup.wait();
        if (!this.#stopped) await new Promise((r) => setTimeout(r, LINGER_MS));
      }
    }
  }
}

/**
 * Applies every event from the projection's offset to the log's head, batch by batch; returns
 * how many were applied. Starts at the oldest retained event when the offset is older.
 */
export async function catchUp(
  log: EventLog,
  projection: ProjectionWorker,
  batchEvents = DEFAULT_BATCH_EVENTS,
  stopped: () => boolean = () => false,
): Promise<number> {
  let total = 0;
  while (!stopped()) {
    const from = Math.max(projection.offset, log.bounds().first);
    const batch: string[] = [];
    let next = from;
    for await (const stored of log.read(from, { limit: batchEvents })) {
      batch.push(stored.json);
      next = stored.offset + 1;
    }
    if (batch.length === 0) return total;
    total += await projection.apply(batch, next);
  }
  return total;
}
