/**
 * One client connection through the gate (worker side): two pumps, client → Deno.serve and
 * back, each a read into its own reused buffer and a write, with half-close on EOF; and the
 * state the gate's timers read (the last byte either way, whether a request is awaited).
 * @module
 */
import { PORTS } from "./protocol.ts";

/** Buffers start small (an idle connection holds two) and grow once a read fills one. */
const SMALL_BUFFER = 4 * 1024;
const LARGE_BUFFER = 64 * 1024;

/**
 * How long a client may keep its side open once the bus's side has ended (after an answer with
 * `connection: close`): its unread bytes are read and dropped meanwhile, so the answer is not
 * lost to a reset.
 */
export const LINGER_MS = 2_000;

/**
 * What the first bytes of a connection say it speaks: nothing yet; HTTP/1.x (every request's
 * headers are timed: a request must begin in time); or h2c prior knowledge or TLS (opaque here:
 * only the first bytes are timed).
 */
export type Speaks = "unknown" | "http1" | "opaque";

/** The "PRI " that begins the HTTP/2 connection preface. */
const PREFACE = [0x50, 0x52, 0x49, 0x20];

export class GatedConnection {
  readonly client: Deno.TcpConn;
  readonly upstream: Deno.TcpConn;
  /** The upstream connection's local port: the connection's name on both threads. */
  readonly up: number;
  readonly host: string;
  /** When a byte last passed either way. */
  last: number;
  /**
   * Since when a request is awaited (its headers have not reached Deno.serve), or -1. A new
   * connection awaits its first request; an HTTP/1 connection awaits another as soon as bytes
   * arrive with no request in flight.
   */
  awaitingSince: number;
  /** The count of requests begun on `up` when the wait began. */
  begunAtWait = 0;
  speaks: Speaks;
  /** After this instant the connection is closed, whatever it is doing. */
  closeBy = Infinity;
  #clientEnded = false;
  #upstreamEnded = false;
  /** The bus answered `connection: close`: the client's further bytes are dropped. */
  #discarding = false;
  #closed = false;
  /** How many bytes of the HTTP/2 preface's "PRI " the first bytes matched. */
  #preface = 0;
  readonly #counters: Int32Array;
  readonly #onClose: (conn: GatedConnection) => void;

  constructor(
    client: Deno.TcpConn,
    upstream: Deno.TcpConn,
    host: string,
    tls: boolean,
    counters: Int32Array,
    onClose: (conn: GatedConnection) => void,
  ) {
    this.client = client;
    this.upstream = upstream;
    this.up = upstream.localAddr.port;
    this.host = host;
    this.#counters = counters;
    this.#onClose = onClose;
    this.last = performance.now();
    this.awaitingSince = performance.now();
    this.begunAtWait = Atomics.load(counters, PORTS + this.up);
    this.speaks = tls ? "opaque" : "unknown";
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts both pumps; the connection closes itself when they are done. */
  start(): void {
    this.#pump(this.client, this.upstream, true);
    this.#pump(this.upstream, this.client, false);
  }

  /**
   * The app answered `connection: close`: stop forwarding the client's bytes and end the
   * upstream side. Deno.serve then closes its end after the answer, so the answer reaches the
   * client before its end of stream does.
   */
  closeAfterAnswer(): void {
    if (this.#closed || this.#discarding) return;
    this.#discarding = true;
    this.closeBy = Math.min(this.closeBy, performance.now() + LINGER_MS);
    this.upstream.closeWrite().catch(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.client.close();
    } catch { /* already closed */ }
    try {
      this.upstream.close();
    } catch { /* already closed */ }
    this.#onClose(this);
  }

  async #pump(from: Deno.TcpConn, to: Deno.TcpConn, fromClient: boolean): Promise<void> {
    let buffer = new Uint8Array(SMALL_BUFFER);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        this.last = performance.now();
        if (fromClient) {
          this.#clientBytes(buffer, n);
          if (this.#discarding) continue;
        }
        let written = 0;
        while (written < n) written += await to.write(buffer.subarray(written, n));
        if (n === buffer.length && buffer.length < LARGE_BUFFER) {
          buffer = new Uint8Array(LARGE_BUFFER);
        }
      }
    } catch {
      this.close();
      return;
    }
    this.#ended(fromClient);
  }

  /** One side sent its end of stream: pass it on; when both have, close. */
  #ended(fromClient: boolean): void {
    if (this.#closed) return;
    if (fromClient) {
      this.#clientEnded = true;
      if (this.#discarding || this.#upstreamEnded) return this.close();
      this.upstream.closeWrite().catch(() => this.close());
    } else {
      this.#upstreamEnded = true;
      if (this.#clientEnded) return this.close();
      this.client.closeWrite().catch(() => this.close());
      // The bus is done with this connection; the client gets a moment to read and close.
      this.closeBy = Math.min(this.closeBy, performance.now() + LINGER_MS);
    }
  }

  /** What the client's bytes say about the request the connection awaits. */
  #clientBytes(bytes: Uint8Array, n: number): void {
    if (this.speaks === "http1") {
      if (this.awaitingSince < 0 && Atomics.load(this.#counters, this.up) === 0) {
        this.awaitingSince = performance.now();
        this.begunAtWait = Atomics.load(this.#counters, PORTS + this.up);
      }
      return;
    }
    if (this.speaks === "opaque") {
      this.awaitingSince = -1;
      return;
    }
    // The first bytes: an HTTP/2 preface makes the connection opaque; anything else is HTTP/1
    // (which keeps awaiting its first request's headers).
    for (let i = 0; i < n && this.#preface < PREFACE.length; i++, this.#preface++) {
      if (bytes[i] !== PREFACE[this.#preface]) {
        this.speaks = "http1";
        return;
      }
    }
    if (this.#preface < PREFACE.length) return; // too few bytes to tell yet
    this.speaks = "opaque";
    this.awaitingSince = -1;
  }
}
