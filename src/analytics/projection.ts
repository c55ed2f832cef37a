/**
 * The main thread's end of the analytics projection worker: it hands over stored envelopes as
 * the JSON text the log holds, and knows the offset the worker has committed. Parsing, SQLite
 * and the PostgreSQL mirror all run in the worker.
 * @module
 */
import type { LogLevel } from "../logger.ts";
import { OrderedWorker } from "../ordered_worker.ts";
import type { ProjectionAnswer, ProjectionRequest } from "./projection_protocol.ts";

export interface ProjectionOptions {
  /** The analytics SQLite file. */
  readonly path: string;
  readonly rawMaxAgeMs: number;
  readonly postgresUrl: string | null;
  readonly logLevel: LogLevel;
}

export class ProjectionWorker {
  readonly #worker: OrderedWorker<ProjectionRequest, ProjectionAnswer>;
  #offset: number;

  private constructor(worker: OrderedWorker<ProjectionRequest, ProjectionAnswer>, offset: number) {
    this.#worker = worker;
    this.#offset = offset;
  }

  /** Starts the worker and opens (creating) the analytics file in it. */
  static async open(opts: ProjectionOptions): Promise<ProjectionWorker> {
    const worker = new OrderedWorker<ProjectionRequest, ProjectionAnswer>(
      new URL("./projection_worker.ts", import.meta.url),
      "the analytics projection",
    );
    try {
      const { offset } = await worker.request({ kind: "open", ...opts });
      return new ProjectionWorker(worker, offset);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  /** The next log offset to apply (as committed in the analytics file). */
  get offset(): number {
    return this.#offset;
  }

  /** Set once the worker died; nothing more will be applied. */
  get dead(): Error | null {
    return this.#worker.dead;
  }

  /** Applies envelopes (JSON text, in offset order); resolves with how many were new. */
  async apply(envelopes: readonly string[], next: number): Promise<number> {
    const { applied, offset } = await this.#worker.request({ kind: "apply", envelopes, next });
    this.#offset = offset;
    return applied ?? 0;
  }

  /** Empties the projected tables and the offset (a rebuild from the log follows). */
  async reset(): Promise<void> {
    this.#offset = (await this.#worker.request({ kind: "reset" })).offset;
  }

  async close(): Promise<void> {
    try {
      if (!this.#worker.dead) await this.#worker.request({ kind: "close" });
    } finally {
      this.#worker.terminate();
    }
  }
}
