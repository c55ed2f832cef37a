/**
 * The appends waiting for a commit, shared by the log implementations that group commits:
 * admission against the pending limit (logSaturated), taking the oldest appends as a round, and
 * settling each append while keeping the pending count. Planning and committing a round stay
 * with the implementation.
 * @module
 */
import { type AppendRequest, type AppendResult, logSaturated } from "./event_log.ts";

/** One append waiting for its round. */
export interface PendingAppend {
  readonly request: AppendRequest;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (err: unknown) => void;
}

export class AppendQueue {
  readonly #maxPendingEvents: number;
  #waiting: PendingAppend[] = [];
  /** Events accepted and not yet settled (waiting or in a round). */
  #pendingEvents = 0;
  /** Events waiting, not yet taken into a round. */
  #queuedEvents = 0;

  constructor(maxPendingEvents: number) {
    this.#maxPendingEvents = maxPendingEvents;
  }

  /** Events accepted and not yet settled (waiting or in a round being committed). */
  get pendingEvents(): number {
    return this.#pendingEvents;
  }

  /** Events waiting for a round. */
  get queuedEvents(): number {
    return this.#queuedEvents;
  }

  /** Appends waiting for a round. */
  get length(): number {
    return this.#waiting.length;
  }

  /**
   * Queues an append; its promise settles through settle/fail. Refuses it (logSaturated) when
   * the pending events would pass the limit, unless nothing is pending (a large batch still fits
   * alone).
   */
  add(request: AppendRequest): Promise<AppendResult> {
    const n = appendSize(request);
    if (this.#pendingEvents > 0 && this.#pendingEvents + n > this.#maxPendingEvents) {
      return Promise.reject(logSaturated(this.#pendingEvents));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      this.#pendingEvents += n;
      this.#queuedEvents += n;
    });
  }

  /** The oldest waiting appends, at least one, stopping once they hold `maxEvents`. */
  take(maxEvents: number): PendingAppend[] {
    let events = 0;
    let taken = 0;
    while (taken < this.#waiting.length && (taken === 0 || events < maxEvents)) {
      events += appendSize(this.#waiting[taken++].request);
    }
    this.#queuedEvents -= events;
    return this.#waiting.splice(0, taken);
  }

  /** Every waiting append (to refuse them all). */
  takeAll(): PendingAppend[] {
    this.#queuedEvents = 0;
    return this.#waiting.splice(0);
  }

  settle(p: PendingAppend, result: AppendResult): void {
    this.#pendingEvents -= appendSize(p.request);
    p.resolve(result);
  }

  fail(p: PendingAppend, err: unknown): void {
    this.#pendingEvents -= appendSize(p.request);
    p.reject(err);
  }
}

/** What an append counts against the pending limit. */
function appendSize(request: AppendRequest): number {
  return request.events.length + request.deadLetters.length;
}
