/**
 * The main thread's end of a worker that answers requests one by one, in order: requests go
 * out in order, replies come back in the same order, each settling its request's promise. A
 * reply `{ ok: false, error }` rejects its request; a dead worker fails everything waiting and
 * everything asked later. The SQLite log's writer and the analytics projection use it.
 * @module
 */

/** What such a worker answers: its result, or the error it met. */
export type WorkerReply<T> = (T & { readonly ok: true }) | {
  readonly ok: false;
  readonly error: string;
};

export class OrderedWorker<Request, Reply> {
  readonly #worker: Worker;
  readonly #name: string;
  readonly #waiting: {
    resolve: (r: WorkerReply<Reply>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #dead: Error | null = null;

  /** `name` says what the worker is in error messages ("the SQLite log writer"). */
  constructor(url: URL, name: string) {
    this.#name = name;
    this.#worker = new Worker(url, { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<WorkerReply<Reply>>) =>
      this.#waiting.shift()?.resolve(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault();
      this.#dead = new Error(`${name} stopped: ${e.message}`);
      for (const w of this.#waiting.splice(0)) w.reject(this.#dead);
    };
  }

  /** Set once the worker died: every request fails with it. */
  get dead(): Error | null {
    return this.#dead;
  }

  /** Sends one request; resolves with its reply, rejects when the worker answered an error. */
  async request(req: Request): Promise<Reply & { readonly ok: true }> {
    if (this.#dead) throw this.#dead;
    const reply = await new Promise<WorkerReply<Reply>>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(req);
    });
    if (!reply.ok) throw new Error(`${this.#name} failed: ${reply.error}`);
    return reply;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/**
 * The worker's end: handles each message after the one before has been answered, and posts
 * the answer (or `{ ok: false, error }` when the handler threw) in the same order.
 */
export function answerInOrder<Request, Reply>(
  scope: { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(m: unknown): void },
  handle: (req: Request) => Promise<Reply & { ok: true }> | (Reply & { ok: true }),
): void {
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (e) => {
    queue = queue.then(() => handle(e.data)).then(
      (reply) => scope.postMessage(reply),
      (err) => scope.postMessage({ ok: false, error: String(err) }),
    );
  };
}
