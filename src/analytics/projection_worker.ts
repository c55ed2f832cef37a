/**
 * The analytics projection, in a worker: parses the stored envelopes, applies them to the
 * analytics SQLite file (each batch and its offset in one transaction), prunes raw rows and
 * keeps the PostgreSQL mirror in step, all off the event loop that answers requests.
 * @module
 */
/// <reference lib="deno.worker" />
import { answerInOrder } from "../ordered_worker.ts";
import { createLogger, type Logger } from "../logger.ts";
import { disableChangeTracking, PostgresMirror } from "./postgres_mirror.ts";
import type { Envelope } from "./projector.ts";
import type { ProjectionAnswer, ProjectionRequest } from "./projection_protocol.ts";
import { AnalyticsStore } from "./store.ts";

const PRUNE_INTERVAL_MS = 60_000;
/** The mirror also syncs on this period: it retries after PostgreSQL was unreachable. */
const MIRROR_INTERVAL_MS = 5_000;

class Projection {
  readonly #store: AnalyticsStore;
  readonly #rawMaxAgeMs: number;
  readonly #mirror: PostgresMirror | null;
  readonly #logger: Logger;
  readonly #mirrorTimer: ReturnType<typeof setInterval> | undefined;
  #lastPruneMs = 0;

  constructor(req: Extract<ProjectionRequest, { kind: "open" }>) {
    this.#logger = createLogger(req.logLevel);
    this.#store = AnalyticsStore.open(req.path);
    this.#rawMaxAgeMs = req.rawMaxAgeMs;
    if (req.postgresUrl) {
      this.#mirror = new PostgresMirror(this.#store.db, req.postgresUrl);
      this.#syncMirror();
      this.#mirrorTimer = setInterval(() => this.#syncMirror(), MIRROR_INTERVAL_MS);
    } else {
      this.#mirror = null;
      disableChangeTracking(this.#store.db);
    }
  }

  get offset(): number {
    return this.#store.offset;
  }

  apply(envelopes: readonly string[], next: number): number {
    const applied = this.#store.apply(envelopes.map((e) => JSON.parse(e) as Envelope), next);
    this.#prune();
    if (applied > 0) this.#syncMirror();
    return applied;
  }

  reset(): void {
    this.#store.reset();
  }

  async close(): Promise<void> {
    clearInterval(this.#mirrorTimer);
    if (this.#mirror) {
      await this.#mirror.sync().catch(() => {});
      await this.#mirror.close();
    }
    this.#store.close();
  }

  #prune(): void {
    const now = Date.now();
    if (this.#rawMaxAgeMs <= 0 || now - this.#lastPruneMs < PRUNE_INTERVAL_MS) return;
    this.#lastPruneMs = now;
    this.#store.pruneRaw(now - this.#rawMaxAgeMs);
  }

  #syncMirror(): void {
    this.#mirror?.sync().catch((error) =>
      this.#logger.warn("postgres mirror sync failed", { error })
    );
  }
}

let projection: Projection | null = null;

answerInOrder(self, async (req: ProjectionRequest): Promise<ProjectionAnswer & { ok: true }> => {
  if (req.kind === "open") projection = new Projection(req);
  const open = projection;
  if (!open) throw new Error("the analytics projection is not open");
  switch (req.kind) {
    case "apply": {
      const applied = open.apply(req.envelopes, req.next);
      return { ok: true, applied, offset: open.offset };
    }
    case "reset":
      open.reset();
      break;
    case "close": {
      const offset = open.offset;
      await open.close();
      projection = null;
      return { ok: true, offset };
    }
  }
  return { ok: true, offset: open.offset };
});
