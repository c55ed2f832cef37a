/**
 * The connection gate (main-thread side). `Deno.serve` has no per-connection hook, so the main
 * port is a plain TCP listener in a worker (gate_worker.ts) that caps connections in total and
 * per client address, closes those past their header or idle timeout, and pumps the rest to an
 * internal Deno.serve on 127.0.0.1. Here: which client each internal connection carries, the
 * requests in flight on each (shared with the worker, so the idle timeout never cuts a stream),
 * and closing a connection the app answered with `connection: close`.
 * docs/security.md#open-files-and-idle-connections
 * @module
 */
import {
  type ConnectionCap,
  type ConnectionTimeout,
  type FromGate,
  type GateSettings,
  PORTS,
  sharedCounters,
  type ToGate,
} from "./protocol.ts";

/** How long a request waits for its connection's announcement before it is refused. */
const PEER_WAIT_MS = 1_000;
/** How long connections get to end by themselves once the gate stops (the bus's side is closed). */
const STOP_GRACE_MS = 500;
/** How long stop() waits for the worker to close its connections before it is terminated. */
const STOP_WAIT_MS = 2_000;

/** What the gate reports, for the log and metrics. */
export interface GateEvents {
  refused(cap: ConnectionCap, host: string, limit: number): void;
  timedOut(kind: ConnectionTimeout, host: string): void;
  /** accept() failed (out of file descriptors); the gate retries. */
  acceptFailed(message: string): void;
}

export interface Gate {
  /** The bus's port (where clients connect). */
  readonly port: number;
  /** Connections open through the gate. */
  readonly open: number;
  /** A request began on the internal connection `up` (Deno.serve's remote port). */
  begin(up: number): void;
  /** It ended (its answer was sent); `close`: the answer said `connection: close`. */
  end(up: number, close: boolean): void;
  /**
   * The client an internal connection carries; null if no gate announced it within a second (a
   * local process connected to the internal port directly).
   */
  peer(up: number): Deno.NetAddr | Promise<Deno.NetAddr | null>;
  /** Stops listening and closes every connection and the worker. */
  stop(): Promise<void>;
}

/** Starts the worker and waits until it listens; a bind failure is thrown as Deno's error. */
export async function startGate(settings: GateSettings, events: GateEvents): Promise<Gate> {
  const worker = new Worker(new URL("./gate_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const { buffer, counters } = sharedCounters();
  const peers = new Map<number, Deno.NetAddr>();
  const waiting = new Map<number, ((addr: Deno.NetAddr | null) => void)[]>();
  const started = Promise.withResolvers<number>();
  let stopped: (() => void) | null = null;
  const send = (message: ToGate) => worker.postMessage(message);
  worker.onmessage = (event: MessageEvent<FromGate>) => {
    const m = event.data;
    switch (m.t) {
      case "open": {
        const addr: Deno.NetAddr = { transport: "tcp", hostname: m.host, port: m.port };
        peers.set(m.up, addr);
        const waiters = waiting.get(m.up);
        if (waiters) {
          waiting.delete(m.up);
          for (const resolve of waiters) resolve(addr);
        }
        return;
      }
      case "closed":
        peers.delete(m.up);
        return;
      case "refused":
        events.refused(m.cap, m.host, m.limit);
        return;
      case "timeout":
        events.timedOut(m.kind, m.host);
        return;
      case "accept_failed":
        events.acceptFailed(m.message);
        return;
      case "listening":
        started.resolve(m.port);
        return;
      case "failed":
        started.reject(denoError(m.name, m.message));
        return;
      case "stopped":
        stopped?.();
        return;
    }
  };
  worker.onerror = (event) =>
    started.reject(new Error(`the connection gate failed: ${event.message}`));
  send({ t: "start", settings, shared: buffer });
  let port: number;
  try {
    port = await started.promise;
  } catch (err) {
    worker.terminate();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    port,
    get open() {
      return peers.size;
    },
    begin(up) {
      Atomics.add(counters, PORTS + up, 1);
      Atomics.add(counters, up, 1);
    },
    end(up, close) {
      const left = Atomics.sub(counters, up, 1) - 1;
      // Only once nothing else is in flight on it (an HTTP/2 connection carries many requests).
      if (close && left === 0) send({ t: "close", up });
    },
    peer(up) {
      const found = peers.get(up);
      if (found) return found;
      return new Promise((resolve) => {
        const list = waiting.get(up) ?? [];
        waiting.set(up, list);
        const timer = setTimeout(() => {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0 && waiting.get(up) === list) waiting.delete(up);
          resolve(null);
        }, PEER_WAIT_MS);
        const done = (addr: Deno.NetAddr | null) => {
          clearTimeout(timer);
          resolve(addr);
        };
        list.push(done);
      });
    },
    stop() {
      stopping ??= (async () => {
        const { promise, resolve } = Promise.withResolvers<void>();
        stopped = resolve;
        const timer = setTimeout(resolve, STOP_WAIT_MS);
        send({ t: "stop", graceMs: STOP_GRACE_MS });
        await promise;
        clearTimeout(timer);
        worker.terminate();
        for (const waiters of waiting.values()) for (const resolve of waiters) resolve(null);
        waiting.clear();
        peers.clear();
      })();
      return stopping;
    },
  };
}

/** The worker's bind failure as the Deno error it was (bindError names the flag for it). */
function denoError(name: string, message: string): Error {
  const known = (Deno.errors as unknown as Record<string, ErrorConstructor | undefined>)[name];
  return known ? new known(message) : new Error(message);
}
