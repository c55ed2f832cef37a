/**
 * One Web Worker running the engine's searches and simulations off the event loop. Started on
 * the first job, restarted after a crash; a bounded number of jobs may wait (429 beyond it).
 * @module
 */
import { BusError, type ErrorKind } from "../errors.ts";
import type { EngineJob, EngineResults } from "./engine_jobs.ts";

/** Jobs queued or running in one worker before new ones are refused. */
export const DEFAULT_MAX_QUEUED_JOBS = 32;

/** A job's result, or its error: a BusError keeps its kind; anything else is a bug. */
export type Reply = { id: number; ok: true; value: unknown } | {
  id: number;
  ok: false;
  name: string;
  message: string;
  stack?: string;
  kind?: ErrorKind;
};

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class EngineWorker {
  readonly #maxQueued: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextId = 1;
  #closed = false;

  constructor(options: { maxQueuedJobs?: number } = {}) {
    this.#maxQueued = options.maxQueuedJobs ?? DEFAULT_MAX_QUEUED_JOBS;
  }

  /** Jobs queued or running. */
  get queued(): number {
    return this.#pending.size;
  }

  /**
   * Runs a job in the worker. The engine's refusals (BusErrors) reject as they were thrown;
   * any other error is a bug and rejects as an Error with the worker's stack.
   */
  run<K extends EngineJob["kind"]>(
    job: Extract<EngineJob, { kind: K }>,
  ): Promise<EngineResults[K]> {
    if (this.#closed) return Promise.reject(new BusError("not_ready", "The advisor is stopping"));
    if (this.#pending.size >= this.#maxQueued) {
      return Promise.reject(
        new BusError("over_limit", "The advisor is busy; retry shortly", { retryAfterS: 1 }),
      );
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.#pending.set(id, { resolve, reject });
    this.#ensureWorker().postMessage({ id, job });
    return promise as Promise<EngineResults[K]>;
  }

  /** Stops the worker; jobs still waiting reject. */
  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
    this.#failAll(new BusError("not_ready", "The advisor is stopping"));
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./_engine_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(replyError(reply));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      // The worker is gone: fail what it held, start a fresh one for the next job.
      worker.terminate();
      if (this.#worker === worker) this.#worker = null;
      this.#failAll(new Error(`the engine worker crashed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #failAll(err: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}

function replyError(reply: Extract<Reply, { ok: false }>): Error {
  if (reply.kind !== undefined) return new BusError(reply.kind, `Cannot advise: ${reply.message}`);
  const err = new Error(`the engine failed: ${reply.message}`);
  err.name = reply.name;
  if (reply.stack) err.stack = reply.stack;
  return err;
}
