/**
 * The gate's work (worker side): accept connections on the bus's port, refuse those over the
 * caps, connect each admitted one to the internal Deno.serve (announcing who it is first) and
 * pump its bytes; a sweep closes connections past their header or idle timeout.
 * @module
 */
import { GatedConnection } from "./_gated_connection.ts";
import { type ConnectionCap, type FromGate, type GateSettings, PORTS } from "./protocol.ts";

/**
 * Refused connections being answered and drained at once, as a share of the cap (each holds a
 * descriptor for up to REFUSE_LINGER_MS); beyond it they are closed without an answer.
 */
const REFUSING_SHARE = 8;
const MAX_REFUSING = 512;
/** How long a refused client may take to send its request, read the refusal and close. */
const REFUSE_LINGER_MS = 1_000;
/** How often a stopping gate looks whether its connections have ended. */
const STOP_POLL_MS = 10;
/** Pause after a failed accept (out of file descriptors), so the loop does not spin. */
const ACCEPT_BACKOFF_MS = 100;

const encoder = new TextEncoder();

export class GateLoop {
  readonly #settings: GateSettings;
  readonly #counters: Int32Array;
  readonly #post: (message: FromGate) => void;
  readonly #listener: Deno.TcpListener;
  readonly #open = new Map<number, GatedConnection>();
  readonly #perAddress = new Map<string, number>();
  /** Connections admitted and still connecting upstream (they count against the caps). */
  #connecting = 0;
  #refusing = 0;
  readonly #maxRefusing: number;
  #stopped = false;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(settings: GateSettings, counters: Int32Array, post: (message: FromGate) => void) {
    this.#settings = settings;
    this.#counters = counters;
    this.#post = post;
    this.#listener = Deno.listen({ hostname: settings.host, port: settings.port });
    this.#maxRefusing = Math.min(
      MAX_REFUSING,
      Math.max(8, Math.floor(settings.maxConnections / REFUSING_SHARE)),
    );
    const timeouts = [settings.headerTimeoutMs, settings.idleTimeoutMs].filter((t) => t > 0);
    const tick = Math.min(1_000, Math.max(10, Math.floor(Math.min(...timeouts, 4_000) / 4)));
    this.#sweep = setInterval(() => this.#check(), tick);
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  async run(): Promise<void> {
    while (!this.#stopped) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#stopped || err instanceof Deno.errors.BadResource) return;
        // EMFILE and the like: the connection waits in the backlog; try again shortly.
        this.#post({ t: "accept_failed", message: (err as Error).message });
        await new Promise((r) => setTimeout(r, ACCEPT_BACKOFF_MS));
        continue;
      }
      this.#admit(conn);
    }
  }

  /** The app answered `connection: close` on `up`. */
  closeAfterAnswer(up: number): void {
    this.#open.get(up)?.closeAfterAnswer();
  }

  /**
   * Stops accepting; connections get up to `graceMs` to end by themselves (the bus has closed its
   * side by now, so what it wrote last, a WebSocket close frame say, still reaches the client),
   * then every one left is closed.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    const deadline = performance.now() + graceMs;
    while (this.#open.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, STOP_POLL_MS));
    }
    clearInterval(this.#sweep);
    for (const conn of [...this.#open.values()]) conn.close();
  }

  #admit(client: Deno.TcpConn): void {
    const host = client.remoteAddr.hostname;
    const s = this.#settings;
    const mine = this.#perAddress.get(host) ?? 0;
    if (this.#open.size + this.#connecting >= s.maxConnections) {
      return this.#refuse(client, "total", host, s.maxConnections);
    }
    if (mine >= s.maxConnectionsPerAddress) {
      return this.#refuse(client, "per_address", host, s.maxConnectionsPerAddress);
    }
    this.#perAddress.set(host, mine + 1);
    this.#connecting++;
    this.#connect(client, host);
  }

  async #connect(client: Deno.TcpConn, host: string): Promise<void> {
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.#settings.upstreamPort });
    } catch {
      this.#connecting--;
      this.#release(host);
      client.close();
      return;
    }
    this.#connecting--;
    if (this.#stopped) {
      this.#release(host);
      client.close();
      upstream.close();
      return;
    }
    try {
      client.setNoDelay(true);
      upstream.setNoDelay(true);
    } catch { /* the client already left; the pumps will notice */ }
    const conn = new GatedConnection(
      client,
      upstream,
      host,
      this.#settings.tls,
      this.#counters,
      (c) => this.#closed(c),
    );
    this.#open.set(conn.up, conn);
    // Announced before its first byte reaches Deno.serve: the main thread knows the peer.
    const remote = client.remoteAddr;
    this.#post({ t: "open", up: conn.up, host: remote.hostname, port: remote.port });
    conn.start();
  }

  #closed(conn: GatedConnection): void {
    if (this.#open.get(conn.up) === conn) this.#open.delete(conn.up);
    this.#release(conn.host);
    this.#post({ t: "closed", up: conn.up });
  }

  #release(host: string): void {
    const left = (this.#perAddress.get(host) ?? 1) - 1;
    if (left <= 0) this.#perAddress.delete(host);
    else this.#perAddress.set(host, left);
  }

  /**
   * A short 503 naming the cap in answer to the client's request, then the connection is closed
   * (after the client has had a moment to read it); a TLS connection is just closed, the gate
   * cannot speak inside it.
   */
  #refuse(client: Deno.TcpConn, cap: ConnectionCap, host: string, limit: number): void {
    this.#post({ t: "refused", cap, host, limit });
    if (this.#settings.tls || this.#refusing >= this.#maxRefusing) {
      client.close();
      return;
    }
    this.#refusing++;
    (async () => {
      const timer = setTimeout(() => close(), REFUSE_LINGER_MS);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        try {
          client.close();
        } catch { /* already closed */ }
      };
      try {
        // The answer follows the client's request: an HTTP client does not expect one before
        // it has sent its request (a client that sends nothing is closed unanswered).
        const sink = new Uint8Array(4096);
        if (await client.read(sink) === null) return;
        await client.write(refusal(cap, host, limit));
        await client.closeWrite();
        // Read and drop what the client sent, so that closing does not reset the refusal away.
        while (await client.read(sink) !== null);
      } catch {
        /* gone, or the linger timer closed it */
      } finally {
        clearTimeout(timer);
        close();
        this.#refusing--;
      }
    })();
  }

  /** Closes connections past their timeouts (run every tick). */
  #check(): void {
    const now = performance.now();
    const { headerTimeoutMs, idleTimeoutMs } = this.#settings;
    const counters = this.#counters;
    for (const conn of this.#open.values()) {
      if (conn.closeBy <= now) {
        conn.close();
        continue;
      }
      const inFlight = Atomics.load(counters, conn.up);
      if (conn.awaitingSince >= 0) {
        const begun = Atomics.load(counters, PORTS + conn.up) !== conn.begunAtWait;
        if (conn.speaks === "http1" && (begun || inFlight > 0)) {
          conn.awaitingSince = -1;
        } else if (headerTimeoutMs > 0 && now - conn.awaitingSince >= headerTimeoutMs) {
          this.#post({ t: "timeout", kind: "header", host: conn.host });
          conn.close();
          continue;
        }
      }
      if (idleTimeoutMs > 0 && inFlight === 0 && now - conn.last >= idleTimeoutMs) {
        this.#post({ t: "timeout", kind: "idle", host: conn.host });
        conn.close();
      }
    }
  }
}

/** The refusal: HTTP/1.1 503 with a JSON error body naming the cap. */
function refusal(cap: ConnectionCap, host: string, limit: number): Uint8Array {
  const error = cap === "total"
    ? `The bus holds ${limit} connections, its limit (--max-connections); retry later`
    : `The bus holds ${limit} connections from ${host}, the limit for one address ` +
      "(--max-connections-per-address); close idle ones or retry later";
  const body = JSON.stringify({ status: "error", error, details: [{ cap, limit }] });
  return encoder.encode(
    "HTTP/1.1 503 Service Unavailable\r\n" +
      "content-type: application/json; charset=utf-8\r\n" +
      "retry-after: 5\r\n" +
      "connection: close\r\n" +
      `content-length: ${encoder.encode(body).length}\r\n\r\n` +
      body,
  );
}
