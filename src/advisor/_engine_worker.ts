/**
 * The engine worker's entry point: runs each posted job (engine_jobs.ts) and posts back the
 * result or the error (a BusError's kind, or a bug's name, message and stack). Jobs run one at a time, in the order posted.
 * @module
 */
import { BusError } from "../errors.ts";
import { type EngineJob, runJob } from "./engine_jobs.ts";
import type { Reply } from "./engine_worker.ts";

interface Request {
  readonly id: number;
  readonly job: EngineJob;
}

const port = globalThis as unknown as { postMessage(message: unknown): void };

globalThis.addEventListener("message", (event: Event) => {
  const { id, job } = (event as MessageEvent<Request>).data;
  try {
    port.postMessage({ id, ok: true, value: runJob(job) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const reply: Reply = { id, ok: false, name: e.name, message: e.message, stack: e.stack };
    if (e instanceof BusError) reply.kind = e.kind;
    port.postMessage(reply);
  }
});
