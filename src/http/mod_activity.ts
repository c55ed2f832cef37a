/**
 * Makes the game's connection visible in the log: an `info` line the first time a client posts
 * or polls on the mod's routes, and a one-line `info` summary per interval while events flow.
 * @module
 */
import type { Logger } from "../logger.ts";

/** The routes BalatroMCP calls (docs/mod-protocol.md#endpoints). */
const MOD_ROUTES: ReadonlyMap<string, "post" | "poll"> = new Map([
  ["POST /api/v1/events", "post"],
  ["POST /api/v1/events/batch", "post"],
  ["GET /api/v1/commands/poll", "poll"],
]);

/** Clients remembered for "mod connected"; beyond this the oldest is forgotten. */
const MAX_CLIENTS = 1_000;

export interface ModActivityOptions {
  readonly logger: Logger;
  /** The log head now (events stored so far). */
  readonly head: () => number;
  /** Summary period in ms; 0 turns the summary off. */
  readonly summaryIntervalMs: number;
}

export class ModActivity {
  readonly #opts: ModActivityOptions;
  /** client key → when it was first seen; insertion order is age. */
  readonly #clients = new Map<string, number>();
  #posts = 0;
  #polls = 0;
  #lastHead: number;
  #lastAt = performance.now();
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: ModActivityOptions) {
    this.#opts = opts;
    this.#lastHead = opts.head();
    if (opts.summaryIntervalMs > 0) {
      const timer = setInterval(() => this.#summary(), opts.summaryIntervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Every request, before it is handled; only the mod's routes count. */
  observe(req: Request, remote: Deno.Addr): void {
    const route = `${req.method} ${pathOf(req.url)}`;
    const kind = MOD_ROUTES.get(route);
    if (!kind) return;
    if (kind === "post") this.#posts++;
    else this.#polls++;
    const host = remote.transport === "tcp" || remote.transport === "udp" ? remote.hostname : "";
    const userAgent = req.headers.get("user-agent") ?? "";
    const key = `${host} ${userAgent}`;
    if (this.#clients.has(key)) return;
    if (this.#clients.size >= MAX_CLIENTS) this.#clients.delete(this.#clients.keys().next().value!);
    this.#clients.set(key, Date.now());
    this.#opts.logger.info("mod connected", {
      client: host,
      userAgent,
      first: route,
    });
  }

  /** Stops the summary timer. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  #summary(): void {
    const head = this.#opts.head();
    const events = head - this.#lastHead;
    const now = performance.now();
    const seconds = Math.round((now - this.#lastAt) / 100) / 10;
    if (events > 0 || this.#posts > 0) {
      this.#opts.logger.info("summary", {
        seconds,
        events,
        eventsPerSecond: Math.round(events / Math.max(seconds, 0.1)),
        modPosts: this.#posts,
        modPolls: this.#polls,
        logHead: head,
      });
    }
    this.#lastHead = head;
    this.#lastAt = now;
    this.#posts = 0;
    this.#polls = 0;
  }
}

/** The path of an absolute URL as Deno.serve gives it, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.search(/[?#]/);
  return url.slice(start, end === -1 ? undefined : end);
}
