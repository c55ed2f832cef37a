/**
 * WebSocket /api/v1/ws: one socket for a producer and consumer (the mod, a bot).
 *
 * In: a JSON text frame holding a batch (`{"batch_id":…,"events":[…]}`, the REST batch shape) or
 * one event (`{"type":…}`), or a binary frame holding a protobuf `EventBatch`. Each is answered,
 * once it is durable, by `{"op":"published","batch_id":…,"id":…,"accepted":n,…}` (the batch's
 * ack; `batch_id`/`id` echo the request's) or `{"op":"error","batch_id":…,"retry":bool,…}`.
 * `{"op":"subscribe","topics":…,"from":…,"at":…,"group":…}` streams matching events as
 * `{"op":"event","event":<envelope>}`; `{"op":"ack","offset":n}` commits for the group.
 * `{"op":"commands"}` (or `?commands=1`) pushes queued commands at least once (ws_command_push).
 * A frame that cannot be used is answered `{"op":"error","error":"<why>"}`; after
 * MAX_BAD_FRAMES of them in a row the socket is closed (1008).
 * @module
 */
import { BusError } from "../errors.ts";
import { type Bus, checkGroupCommit, type Subscription } from "../bus/mod.ts";
import type { CommandQueue } from "../commands/mod.ts";
import type { Ingest } from "../ingest/mod.ts";
import type { Logger } from "../logger.ts";
import type { Limits } from "../config.ts";
import type { Mount } from "./handler.ts";
import { parseStart, parseTopics } from "./_stream_params.ts";
import { type Identity, identityOf, releaseStreamOnClose, requireScope } from "../auth/mod.ts";
import { readFrame } from "./ws_frames.ts";
import { CommandPush } from "./ws_command_push.ts";
import { type ThrottledWarn, throttledWarn } from "../throttled_warn.ts";

export const WS_PATH = "/api/v1/ws";
/** Above this many unsent bytes the socket stops reading the log until the client catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;
const BATCH = 256;
const WS_ROUTE = "ws:/api/v1/ws";
/** Unusable frames in a row before the socket is closed. */
export const MAX_BAD_FRAMES = 10;
/** At most one "malformed frame" warning per this many ms for all sockets together. */
const BAD_FRAME_WARN_INTERVAL_MS = 10_000;

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
  const warnBadFrame = throttledWarn(deps.logger, BAD_FRAME_WARN_INTERVAL_MS);
  return {
    name: WS_PATH,
    handle(req, url) {
      if (url.pathname !== WS_PATH) return null;
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new BusError("malformed", `${WS_PATH} needs a WebSocket upgrade request`);
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.binaryType = "arraybuffer";
      releaseStreamOnClose(req, socket);
      const session = new WsSession(socket, deps, identityOf(req), warnBadFrame);
      if (/^(1|true)$/.test(url.searchParams.get("commands") ?? "")) session.pushCommands();
      return response;
    },
  };
}

class WsSession {
  readonly #socket: WebSocket;
  readonly #deps: WsDeps;
  readonly #stop = new AbortController();
  readonly #warnBadFrame: ThrottledWarn;
  readonly #commands: CommandPush;
  #sub: Subscription | undefined;
  #group: string | undefined;
  #badFrames = 0;

  constructor(
    socket: WebSocket,
    deps: WsDeps,
    readonly identity: Identity,
    warnBadFrame: ThrottledWarn,
  ) {
    this.#socket = socket;
    this.#deps = deps;
    this.#warnBadFrame = warnBadFrame;
    this.#commands = new CommandPush(deps.commands, socket, deps.logger);
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
    this.#commands.start();
  }

  async #onMessage(data: unknown): Promise<void> {
    let batchRef: Record<string, unknown> = {};
    try {
      const frame = readFrame(data, this.#deps.limits);
      if (frame.kind === "protobuf_batch") {
        batchRef = refOf(frame.batch);
        await this.#ingest(frame.batch, batchRef);
      } else {
        if (frame.msg.op === undefined) batchRef = refOf(frame.msg);
        await this.#dispatch(frame.msg, batchRef);
      }
      this.#badFrames = 0;
    } catch (err) {
      if (err instanceof BusError && (err.kind === "malformed" || err.kind === "too_large")) {
        this.#badFrame(err, batchRef);
      } else {
        this.#send({
          op: "error",
          ...batchRef,
          retry: false,
          error: describe(err, this.#deps.logger),
        });
      }
    }
  }

  /** Answers an unusable frame; closes the socket when they keep coming. */
  #badFrame(err: BusError, batchRef: Record<string, unknown>): void {
    this.#badFrames++;
    const retry = Object.keys(batchRef).length > 0 ? { retry: false } : {};
    this.#send({ op: "error", ...batchRef, ...retry, error: err.message });
    this.#warnBadFrame("ws malformed frame", { error: err.message, in_a_row: this.#badFrames });
    if (this.#badFrames >= MAX_BAD_FRAMES && this.#socket.readyState === WebSocket.OPEN) {
      this.#socket.close(1008, `${MAX_BAD_FRAMES} unusable frames in a row`);
    }
  }

  /** Ingests one batch; the answer is its ack, sent once the events are durable. */
  async #ingest(batch: unknown, batchRef: Record<string, unknown>): Promise<void> {
    try {
      const answer = await this.#deps.ingest.acceptBatchObject(batch, WS_ROUTE);
      this.#send({ op: "published", ...batchRef, ...answer });
    } catch (err) {
      if (!(err instanceof BusError && err.kind === "over_limit")) throw err;
      this.#send({
        op: "error",
        ...batchRef,
        retry: true,
        error: "The event log is saturated; retry shortly",
      });
    }
  }

  async #dispatch(msg: Record<string, unknown>, batchRef: Record<string, unknown>): Promise<void> {
    // The upgrade proved some identity; each op needs its own scope (docs/security.md).
    const scope = scopeOf(msg);
    if (scope) requireScope(this.identity, scope);
    switch (msg.op) {
      case "subscribe":
        return await this.#subscribe(msg);
      case "ack": {
        if (msg.command !== undefined) return await this.#ackCommand(msg.command);
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
      case undefined:
        return await this.#ingest(Array.isArray(msg.events) ? msg : { events: [msg] }, batchRef);
      default:
        throw new BusError("malformed", `Unknown op "${String(msg.op)}"`);
    }
  }

  async #ackCommand(id: unknown): Promise<void> {
    if (typeof id !== "number" || !Number.isSafeInteger(id)) {
      throw new BusError("malformed", '"command" of an ack must be the integer id of a command');
    }
    await this.#commands.ack(id);
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

  #send(msg: unknown): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(msg));
  }

  #close(): void {
    this.#stop.abort();
    this.#sub?.close();
    this.#commands.stop();
  }
}

function describe(err: unknown, logger: Logger): string {
  if (err instanceof BusError) return err.message;
  logger.error("ws message failed", { error: err });
  return "The bus failed to handle this message; it is logged";
}

/** The fields of a request that its answer echoes, so the client can match them: batch_id, id. */
function refOf(msg: Record<string, unknown>): Record<string, unknown> {
  const ref: Record<string, unknown> = {};
  if (typeof msg.batch_id === "string") ref.batch_id = msg.batch_id;
  if (msg.id !== undefined) ref.id = msg.id;
  return ref;
}

/**
 * The scope one message needs: publishing `ingest`; commands and their acks `poll`; subscribing
 * and group acks `read`; null for an unknown op (refused as such).
 */
function scopeOf(msg: Record<string, unknown>): "ingest" | "poll" | "read" | null {
  switch (msg.op) {
    case undefined:
      return "ingest";
    case "commands":
      return "poll";
    case "ack":
      return msg.command !== undefined ? "poll" : "read";
    case "subscribe":
      return "read";
    default:
      return null;
  }
}
