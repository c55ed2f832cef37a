/**
 * WebSocket /api/v1/ws: one socket for a producer and consumer (the mod, a bot). JSON text
 * frames in: a batch (`{"events":[…]}`, the REST batch shape) or one event (`{"type":…}`) is
 * ingested and answered `{"op":"published",…}`; `{"op":"subscribe","topics":…,"from":…,
 * "at":…,"group":…}` streams matching events as `{"op":"event","event":<envelope>}`;
 * `{"op":"ack","offset":n}` commits for the group; `{"op":"commands"}` (or `?commands=1`)
 * pushes each queued command as `{"op":"command","command":"<line>"}` the moment it is queued
 * (taken from the queue: delivered once, here instead of the REST poll).
 * @module
 */
import { BusError } from "../errors.ts";
import { type Bus, checkGroupCommit, type Subscription } from "../bus/mod.ts";
import type { CommandQueue } from "../commands/mod.ts";
import type { Ingest } from "../ingest/mod.ts";
import type { Logger } from "../logger.ts";
import type { Limits } from "../config.ts";
import { parseLenientJson } from "../ingest/mod.ts";
import type { Mount } from "./handler.ts";
import { releaseStreamOnClose } from "../auth/mod.ts";
import { parseStart, parseTopics } from "./_stream_params.ts";
import { type Identity, identityOf, requireScope } from "../auth/mod.ts";

export const WS_PATH = "/api/v1/ws";
/** Above this many unsent bytes the socket stops reading the log until the client catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;
const BATCH = 256;
const COMMANDS_PER_TAKE = 1_000;
const WS_ROUTE = "ws:/api/v1/ws";

export interface WsDeps {
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly commands: CommandQueue;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Aborts on shutdown: every socket is closed (1001, going away). */
  readonly closing: AbortSignal;
}

export function wsMount(deps: WsDeps): Mount {
  return {
    name: WS_PATH,
    handle(req, url) {
      if (url.pathname !== WS_PATH) return null;
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new BusError("malformed", `${WS_PATH} needs a WebSocket upgrade request`);
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      releaseStreamOnClose(req, socket);
      const session = new WsSession(socket, deps, identityOf(req));
      if (/^(1|true)$/.test(url.searchParams.get("commands") ?? "")) session.pushCommands();
      return response;
    },
  };
}

class WsSession {
  readonly #socket: WebSocket;
  readonly #deps: WsDeps;
  readonly #stop = new AbortController();
  #sub: Subscription | undefined;
  #group: string | undefined;
  #unlistenCommands: (() => void) | undefined;
  #taking = false;
  #takeAgain = false;

  constructor(socket: WebSocket, deps: WsDeps, readonly identity: Identity) {
    this.#socket = socket;
    this.#deps = deps;
    socket.onmessage = (e) => this.#onMessage(e.data);
    socket.onclose = () => this.#close();
    socket.onerror = () => this.#close();
    const goAway = () => {
      if (socket.readyState === WebSocket.OPEN) socket.close(1001, "the bus is shutting down");
      this.#close();
    };
    deps.closing.addEventListener("abort", goAway, { once: true });
    this.#stop.signal.addEventListener("abort", () => {
      deps.closing.removeEventListener("abort", goAway);
    });
  }

  pushCommands(): void {
    if (this.#unlistenCommands) return;
    this.#unlistenCommands = this.#deps.commands.onEnqueue(() => this.#takeCommands());
    if (this.#socket.readyState === WebSocket.OPEN) this.#takeCommands();
    else this.#socket.addEventListener("open", () => this.#takeCommands(), { once: true });
  }

  async #onMessage(data: unknown): Promise<void> {
    let msg: Record<string, unknown>;
    try {
      if (typeof data !== "string") throw new BusError("malformed", "Send JSON text frames");
      const value = parseLenientJson(data, this.#deps.limits.maxJsonDepth).value;
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new BusError("malformed", "A message must be a JSON object");
      }
      msg = value as Record<string, unknown>;
      await this.#dispatch(msg);
    } catch (err) {
      this.#send({ op: "error", error: describe(err, this.#deps.logger) });
    }
  }

  async #dispatch(msg: Record<string, unknown>): Promise<void> {
    const id = msg.id;
    // The upgrade proved some identity; each op needs its own scope (docs/security.md).
    const op = msg.op;
    requireScope(this.identity, op === undefined ? "ingest" : op === "commands" ? "poll" : "read");
    switch (op) {
      case "subscribe":
        return await this.#subscribe(msg);
      case "ack": {
        if (this.#group === undefined) {
          throw new BusError("malformed", "ack needs a subscription with a group");
        }
        const offset = Number(msg.offset);
        if (!Number.isSafeInteger(offset) || offset < 0) {
          throw new BusError("malformed", '"offset" must be a non-negative integer');
        }
        checkGroupCommit(
          this.#deps.bus.groups.all(),
          this.#group,
          offset,
          this.#deps.bus.log.bounds(),
        );
        this.#deps.bus.groups.ack(this.#group, offset);
        return;
      }
      case "commands":
        return this.pushCommands();
      case undefined: {
        const batch = Array.isArray(msg.events) ? msg : { events: [msg] };
        try {
          const answer = await this.#deps.ingest.acceptBatchObject(batch, WS_ROUTE);
          this.#send({ op: "published", ...(id === undefined ? {} : { id }), ...answer });
        } catch (err) {
          if (!(err instanceof BusError && err.kind === "over_limit")) throw err;
          this.#send({ op: "error", id, error: "The event log is saturated; retry shortly" });
        }
        return;
      }
      default:
        throw new BusError("malformed", `Unknown op "${String(msg.op)}"`);
    }
  }

  async #subscribe(msg: Record<string, unknown>): Promise<void> {
    if (this.#sub) throw new BusError("malformed", "This socket already has a subscription");
    const group = typeof msg.group === "string" ? msg.group : undefined;
    this.#sub = await this.#deps.bus.subscribe({
      topics: parseTopics(msg.topics),
      start: parseStart(msg.from, msg.at),
      group,
      protocol: "ws",
    });
    this.#group = group;
    this.#send({ op: "subscribed", position: this.#sub.position });
    this.#deliver(this.#sub).catch((err) => {
      if (!this.#stop.signal.aborted) this.#deps.logger.warn("ws delivery failed", { error: err });
    });
  }

  async #deliver(sub: Subscription): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      while (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES && !signal.aborted) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const batch = await sub.next(BATCH, signal);
      if (batch.length === 0) return;
      if (this.#socket.readyState !== WebSocket.OPEN) return;
      for (const e of batch) this.#socket.send(`{"op":"event","event":${e.json}}`);
      this.#deps.bus.delivered("ws", batch.length);
    }
  }

  async #takeCommands(): Promise<void> {
    if (this.#taking) {
      this.#takeAgain = true;
      return;
    }
    this.#taking = true;
    try {
      do {
        this.#takeAgain = false;
        if (this.#socket.readyState !== WebSocket.OPEN) return;
        const lines = await this.#deps.commands.take(COMMANDS_PER_TAKE);
        for (const command of lines) this.#send({ op: "command", command });
        if (lines.length === COMMANDS_PER_TAKE) this.#takeAgain = true;
      } while (this.#takeAgain);
    } catch (err) {
      this.#deps.logger.warn("ws command push failed", { error: err });
    } finally {
      this.#taking = false;
    }
  }

  #send(msg: unknown): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(msg));
  }

  #close(): void {
    this.#stop.abort();
    this.#sub?.close();
    this.#unlistenCommands?.();
  }
}

function describe(err: unknown, logger: Logger): string {
  if (err instanceof BusError) return err.message;
  logger.error("ws message failed", { error: err });
  return "The bus failed to handle this message; it is logged";
}
