/**
 * What a REST route is, and what its handler gets.
 * @module
 */
import type { Limits } from "../config.ts";
import type { CommandQueue } from "../commands/mod.ts";
import type { Ingest } from "../ingest/mod.ts";
import type { EventLog } from "../log/mod.ts";
import type { Logger } from "../logger.ts";
import type { BodyReader } from "./body.ts";

/** The parts handlers call; made by app.ts. */
export interface HttpDeps {
  readonly ingest: Ingest;
  readonly log: EventLog;
  readonly commands: CommandQueue;
  readonly limits: Limits;
  /** Reads request bodies within the limits (one shared deadline timer). */
  readonly bodies: BodyReader;
  readonly logger: Logger;
  /** Prometheus text of every metric. */
  readonly metricsText: () => Promise<string>;
  readonly version: string;
  /** performance.now() at process start, for uptime. */
  readonly startedAtMs: number;
  /** False while starting or shutting down. */
  readonly isReady: () => boolean;
}

export interface RouteContext {
  readonly req: Request;
  readonly url: URL;
  /** Values of `{name}` path segments. */
  readonly params: Readonly<Record<string, string>>;
  readonly deps: HttpDeps;
}

export interface Route {
  readonly method: "GET" | "POST";
  /** Literal segments and `{name}` parameters: `/api/v1/events/{offset}`. */
  readonly path: string;
  readonly handle: (ctx: RouteContext) => Response | Promise<Response>;
}
