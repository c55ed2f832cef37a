/**
 * The engine worker's entry point: runs each posted job (engine_jobs.ts) and posts back the
 * result or the error's name and message. Jobs run one at a time, in the order posted.
 * @module
 */
import { type EngineJob, runJob } from "./engine_jobs.ts";

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
    port.postMessage({ id, ok: false, name: e.name, message: e.message });
  }
});
