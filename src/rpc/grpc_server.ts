/**
 * The native gRPC listener (grpcio, tonic): node:http2 with connectNodeAdapter, running the same
 * service registrations as the main port. Cleartext h2c, or TLS when a certificate is given.
 * node:http2 exposes each connection (its session and socket), so the connection caps and
 * timeouts of the main port's gate are applied here directly.
 * @module
 */
import * as http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createContextValues } from "@connectrpc/connect";
import {
  clientName,
  type Guard,
  type Identity,
  IDENTITY_KEY,
  PUBLIC,
  requiredScope,
} from "../auth/mod.ts";
import { type Admission, workClass } from "../auth/mod.ts";
import { routerOptions, type RpcOptions, type ServiceRegistration } from "./services.ts";
import { CONNECT_CODE } from "./errors.ts";
import { BusError } from "../errors.ts";

/** How long open sessions get to close on their own when the listener stops. */
const SESSION_CLOSE_GRACE_MS = 2_000;

export interface GrpcServerOptions extends RpcOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The same check the main port runs before routing (docs/security.md). */
  readonly guard: Guard;
  /** The same limits on calls in flight, streams and rates as the main port. */
  readonly admission: Admission;
  /** The main port's connection caps and timeouts, applied to HTTP/2 sessions here. */
  readonly connections: ConnectionLimits;
  readonly connectionEvents: ConnectionEvents;
}

/** Connections (HTTP/2 sessions) in total and per client address; timeouts in ms, 0 = none. */
export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** Until its first call, a session gets this long (then it is closed). */
  readonly headerTimeoutMs: number;
  /** A session with no call open and no bytes either way is closed after this. */
  readonly idleTimeoutMs: number;
}

/** What the caps and timeouts report (metrics and the log). */
export interface ConnectionEvents {
  refused(cap: "total" | "per_address", host: string, limit: number): void;
  timedOut(kind: "header" | "idle", host: string): void;
}

export interface RunningGrpcServer {
  readonly port: number;
  /** Sessions open now. */
  readonly connections: number;
  /** Stops accepting; open calls end through the shutdown signal, then sessions close. */
  close(): Promise<void>;
}

/** How long a refused or timed-out session has to read its GOAWAY before it is destroyed. */
const CLOSE_GRACE_MS = 100;

export async function startGrpcServer(
  services: readonly ServiceRegistration[],
  opts: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  const identities = new WeakMap<object, Identity>();
  const routed = connectNodeAdapter({
    ...routerOptions(opts),
    routes: (router) => {
      for (const register of services) register(router);
    },
    contextValues: (req) => createContextValues().set(IDENTITY_KEY, identities.get(req) ?? PUBLIC),
  });
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    try {
      const checked = guardRequest(req, opts.tls !== undefined);
      const identity = opts.guard.check(checked);
      const { done, stream } = opts.admission.admit({
        remoteAddr: checked.remoteAddr,
        client: clientName(identity, checked.remoteAddr),
        work: workClass(checked.url, requiredScope(req.method, checked.url)),
        bodyBytes: 0, // messages are bounded one by one (readMaxBytes)
      });
      res.once("close", () => {
        done();
        stream?.();
      });
      identities.set(req, identity);
    } catch (err) {
      refuse(res, err);
      return;
    }
    routed(req, res);
  };
  const sessions = new Set<http2.Http2Session>();
  const server = opts.tls
    ? http2.createSecureServer(
      { cert: opts.tls.cert, key: opts.tls.key, allowHTTP1: false },
      handler,
    )
    : http2.createServer({}, handler);
  const perAddress = new Map<string, number>();
  const limits = opts.connections;
  server.on("session", (s) => {
    // Connections are sessions here: capped in total and per client address.
    const addr = s.socket?.remoteAddress ?? "";
    const mine = perAddress.get(addr) ?? 0;
    const cap = sessions.size >= limits.maxConnections
      ? "total"
      : mine >= limits.maxConnectionsPerAddress
      ? "per_address"
      : null;
    if (cap !== null) {
      const limit = cap === "total" ? limits.maxConnections : limits.maxConnectionsPerAddress;
      opts.connectionEvents.refused(cap, addr, limit);
      refuseSession(s, cap, addr, limit);
      return;
    }
    perAddress.set(addr, mine + 1);
    sessions.add(s);
    s.on("close", () => {
      sessions.delete(s);
      const left = (perAddress.get(addr) ?? 1) - 1;
      if (left === 0) perAddress.delete(addr);
      else perAddress.set(addr, left);
    });
    timeSession(s, addr, limits, opts.connectionEvents);
  });
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  server.once("error", reject);
  server.listen(opts.port, opts.host, () => {
    const addr = server.address();
    resolve(typeof addr === "object" && addr ? addr.port : opts.port);
  });
  const port = await promise;
  return {
    port,
    get connections() {
      return sessions.size;
    },
    close() {
      return new Promise<void>((done) => {
        // Sessions that have not closed within the grace period are destroyed.
        const force = setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, SESSION_CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          done();
        });
        for (const s of sessions) s.close();
      });
    },
  };
}

/**
 * The header timeout: a session must open its first call within it. The idle timeout: a session
 * with no call open and no frames either way is closed after it (a quiet Subscribe never is;
 * node:http2 counts any frame as activity).
 */
function timeSession(
  s: http2.ServerHttp2Session,
  addr: string,
  limits: ConnectionLimits,
  events: ConnectionEvents,
): void {
  let calls = 0;
  const firstCall = limits.headerTimeoutMs > 0
    ? setTimeout(() => {
      events.timedOut("header", addr);
      closeSession(s);
    }, limits.headerTimeoutMs)
    : undefined;
  s.once("close", () => clearTimeout(firstCall));
  s.setTimeout(limits.idleTimeoutMs);
  s.on("stream", (stream: http2.ServerHttp2Stream) => {
    calls++;
    clearTimeout(firstCall);
    stream.once("close", () => {
      // The timer may have fired while the call was open: start it again from now.
      if (--calls === 0 && !s.destroyed) s.setTimeout(limits.idleTimeoutMs);
    });
  });
  s.on("timeout", () => {
    if (calls > 0 || s.closed) return;
    events.timedOut("idle", addr);
    closeSession(s);
  });
}

/** A GOAWAY first, so the client knows to open a new connection for its next call. */
function closeSession(s: http2.ServerHttp2Session): void {
  if (s.closed || s.destroyed) return;
  s.close();
  setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
}

/** A GOAWAY (REFUSED_STREAM) whose debug data names the cap, then the session is destroyed. */
function refuseSession(
  s: http2.ServerHttp2Session,
  cap: "total" | "per_address",
  addr: string,
  limit: number,
): void {
  const why = cap === "total"
    ? `the bus holds ${limit} gRPC connections, its limit (--max-connections)`
    : `the bus holds ${limit} gRPC connections from ${addr} (--max-connections-per-address)`;
  try {
    s.goaway(http2.constants.NGHTTP2_REFUSED_STREAM, 0, new TextEncoder().encode(why));
  } catch { /* already gone */ }
  setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
}

function guardRequest(req: http2.Http2ServerRequest, tls: boolean) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const authority = req.headers[":authority"] ?? req.headers.host ?? "localhost";
  headers.set("host", authority);
  return {
    method: req.method,
    url: new URL(req.url, `${tls ? "https" : "http"}://${authority}`),
    headers,
    remoteAddr: req.socket?.remoteAddress ?? "",
  };
}

/** A trailers-only gRPC answer with the refusal's status. */
function refuse(res: http2.Http2ServerResponse, err: unknown): void {
  const kind = err instanceof BusError ? err.kind : "internal";
  const message = err instanceof Error ? err.message : String(err);
  res.writeHead(200, {
    "content-type": "application/grpc",
    "grpc-status": String(CONNECT_CODE[kind]),
    "grpc-message": encodeURIComponent(message),
  });
  res.end();
}
