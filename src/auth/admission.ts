/**
 * What one client may hold at once on the main port, checked after the guard and before routing:
 * requests in flight (in total and per client address), request-body bytes in flight (a global
 * budget, so sixteen 15 MB bodies cannot cost gigabytes), open streams (SSE, WebSocket, Connect
 * streaming calls; per identity and in total) and request rates (ingest, and the heavy
 * analytics/advisor work) per client. Over a limit: 429 with Retry-After.
 * @module
 */
import { BusError } from "../errors.ts";

import type { AdmissionLimits } from "../config.ts";

export type { AdmissionLimits };

/** What kind of work a request is, for the limits above. */
export type WorkClass = "ingest" | "heavy" | "stream" | "other";

export interface AdmitRequest {
  readonly remoteAddr: string;
  /** Identity name (the client for rates and stream caps). */
  readonly client: string;
  readonly work: WorkClass;
  /** Content-Length, when declared. */
  readonly bodyBytes: number;
}

/** Undo what admit() took; call once when the request (or stream) ends. */
export type Release = () => void;

export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #perAddress = new Map<string, number>();
  readonly #streams = new Map<string, number>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #inFlight = 0;
  #bodyBytes = 0;
  #streamCount = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  /** Body bytes in flight now (for metrics and tests). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** Takes what `req` needs, or throws over_limit with a Retry-After. */
  admit(req: AdmitRequest): { done: Release; stream: Release | null } {
    const l = this.#limits;
    if (this.#inFlight >= l.maxInFlight) refuse("The bus is handling too many requests", 1);
    const mine = this.#perAddress.get(req.remoteAddr) ?? 0;
    if (mine >= l.maxInFlightPerAddress) {
      refuse(`${l.maxInFlightPerAddress} requests from ${req.remoteAddr} are in flight`, 1);
    }
    // A body larger than the whole budget is over --max-body-bytes too: its route answers 413
    // at once without reading it, so it is not counted (and not told to come back).
    const bodyBytes = req.bodyBytes > l.bodyBudgetBytes ? 0 : req.bodyBytes;
    if (bodyBytes > 0 && this.#bodyBytes + bodyBytes > l.bodyBudgetBytes) {
      refuse("Too many request bodies are arriving at once", 1);
    }
    if (req.work === "ingest") this.#rate(`ingest:${req.client}`, l.ingestRate);
    if (req.work === "heavy") this.#rate(`heavy:${req.client}`, l.heavyRate);
    let stream: Release | null = null;
    if (req.work === "stream") stream = this.#openStream(req.client);
    this.#inFlight++;
    this.#perAddress.set(req.remoteAddr, mine + 1);
    this.#bodyBytes += bodyBytes;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      const left = (this.#perAddress.get(req.remoteAddr) ?? 1) - 1;
      if (left === 0) this.#perAddress.delete(req.remoteAddr);
      else this.#perAddress.set(req.remoteAddr, left);
      this.#bodyBytes -= bodyBytes;
    };
    return { done, stream };
  }

  #openStream(client: string): Release {
    const l = this.#limits;
    if (this.#streamCount >= l.maxStreams) refuse(`${l.maxStreams} streams are open`, 5);
    const mine = this.#streams.get(client) ?? 0;
    if (mine >= l.maxStreamsPerClient) {
      refuse(`You have ${l.maxStreamsPerClient} streams open; close one first`, 5);
    }
    this.#streamCount++;
    this.#streams.set(client, mine + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.#streamCount--;
      const left = (this.#streams.get(client) ?? 1) - 1;
      if (left === 0) this.#streams.delete(client);
      else this.#streams.set(client, left);
    };
  }

  /** A token bucket per client: `rate` per second, bursts of twice that. */
  #rate(key: string, rate: number): void {
    const now = performance.now();
    const burst = rate * 2;
    const b = this.#buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.#buckets.set(key, b);
      refuse("You are sending these requests too fast", Math.ceil((1 - b.tokens) / rate));
    }
    b.tokens -= 1;
    this.#buckets.set(key, b);
    // Full buckets carry no state worth keeping: forget them so clients cannot grow the map.
    if (this.#buckets.size > 10_000) {
      for (const [k, v] of this.#buckets) {
        if (v.tokens + ((now - v.at) / 1000) * rate >= burst) this.#buckets.delete(k);
      }
    }
  }
}

function refuse(message: string, retryAfterS: number): never {
  throw new BusError("over_limit", `${message}; retry in ${retryAfterS} s`, { retryAfterS });
}

/** Calls `release` once the response body has been sent, failed or was cancelled. */
export function releaseWithBody(res: Response, release: Release): Response {
  if (!res.body || res.status === 101) {
    release();
    return res;
  }
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          release();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (err) {
        release();
        controller.error(err);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** Searches and simulations; Score is one exact evaluation and stays cheap. */
const HEAVY_ADVICE = /^\/jimbot\.advisor\.v1\.Advisor\/(BestPlay|BestJokerOrder|BlindOdds)$/;
const STREAM_PATHS = new Set(["/api/v1/stream", "/api/v1/ws"]);
const STREAM_RPCS =
  /^\/jimbot\.(bus\.v1\.EventBus\/(Subscribe|Stream)|coordinator\.v1\.ResourceCoordinator\/WatchLeases)$/;

/** The kind of work a request is, from its path and the scope it needs. */
export function workClass(url: URL, need: string): WorkClass {
  if (STREAM_PATHS.has(url.pathname) || STREAM_RPCS.test(url.pathname)) return "stream";
  if (need === "ingest") return "ingest";
  if (need === "analytics" || HEAVY_ADVICE.test(url.pathname)) return "heavy";
  return "other";
}

const streamEnds = new WeakMap<Request, Release>();

/** Remembers how to free the stream slot a WebSocket upgrade took. */
export function holdStream(req: Request, release: Release): void {
  streamEnds.set(req, release);
}

const upgrades = new WeakMap<Request, WebSocket>();

/**
 * Frees the upgrade's stream slot when the socket closes (ws.ts calls it for every upgrade), and
 * remembers the socket for {@linkcode upgradedSocket}.
 */
export function releaseStreamOnClose(req: Request, socket: WebSocket): void {
  upgrades.set(req, socket);
  const release = streamEnds.get(req);
  if (release) socket.addEventListener("close", release, { once: true });
}

/**
 * The WebSocket a request was upgraded to: the listener counts the connection busy until it
 * closes (an upgrade's answer is sent at once, the connection lives on).
 */
export function upgradedSocket(req: Request): WebSocket | undefined {
  return upgrades.get(req);
}
