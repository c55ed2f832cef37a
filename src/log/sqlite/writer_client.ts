/**
 * The main thread's end of the writer worker: requests go out in order, replies come back in
 * the same order, each settling its request's promise. A dead worker fails everything waiting.
 * @module
 */
import type { WriterReply, WriterRequest } from "./protocol.ts";

export class WriterClient {
  readonly #worker: Worker;
  readonly #waiting: { resolve: (r: WriterReply) => void; reject: (e: unknown) => void }[] = [];
  #dead: unknown = null;

  constructor() {
    this.#worker = new Worker(new URL("./writer_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<WriterReply>) =>
      this.#waiting.shift()?.resolve(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault();
      this.#dead = new Error(`the SQLite log writer stopped: ${e.message}`);
      for (const w of this.#waiting.splice(0)) w.reject(this.#dead);
    };
  }

  /** Sends one request; resolves with its reply, rejects when the worker answered with an error. */
  async request(req: WriterRequest): Promise<WriterReply & { ok: true }> {
    if (this.#dead) throw this.#dead;
    const reply = await new Promise<WriterReply>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(req);
    });
    if (!reply.ok) throw new Error(`the SQLite log writer failed: ${reply.error}`);
    return reply;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}
