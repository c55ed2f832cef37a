/**
 * Listening: takes the data dir's lock, creates the app, serves it on the HTTP port (through the
 * connection gate, src/gate/) and the native gRPC port, and stops it all. Start-up opens things
 * in order and, when a step fails, closes what was already open in reverse order (an
 * AsyncDisposableStack); stop closes the listeners (giving requests until --shutdown-timeout,
 * then closing their connections), then the app, then releases the lock.
 * @module
 */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { StartupError } from "./errors.ts";
import { type App, createApp, VERSION } from "./app.ts";
import { lockDataDir } from "./log/mod.ts";
import { type ConnectionEvents, startGrpcServer } from "./rpc/mod.ts";
import { bindError, ensureDataDir } from "./startup_errors.ts";
import { ModActivity } from "./http/mod_activity.ts";
import { autoMaxConnections, type Gate, type GateEvents, startGate } from "./gate/mod.ts";
import { upgradedSocket } from "./auth/mod.ts";
import type { BusMetrics } from "./metrics.ts";
import { throttledWarn } from "./throttled_warn.ts";

/** At most one warning per this interval for refused connections (and one for accept errors). */
const CONNECTION_WARN_INTERVAL_MS = 10_000;

export interface RunningApp {
  /** The bound HTTP port (useful with --port 0). */
  readonly port: number;
  /** The bound native gRPC port. */
  readonly grpcPort: number;
  readonly app: App;
  /** Graceful stop: refuse new work, finish requests and commits, close the store. */
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  await using stack = new AsyncDisposableStack();
  await ensureDataDir(config.dataDir);
  stack.use(await lockDataDir(config.dataDir));
  const tls = await readTls(config);
  const app = stack.use(await createApp(config, logger));
  const activity = stack.adopt(
    new ModActivity({
      logger,
      head: () => app.services.storage.log.bounds().head,
      summaryIntervalMs: config.summaryIntervalMs,
    }),
    (a) => a.close(),
  );
  const maxConnections = config.connections.maxConnections || autoMaxConnections();
  const metrics = app.services.metrics;
  const http = await listenHttp(app, activity, config, tls, logger, {
    maxConnections,
    events: connectionEvents("http", metrics, logger),
  });
  stack.defer(() => http.close(config.shutdownTimeoutMs));
  if (http.connections) metrics.watchConnections("http", http.connections);
  const grpc = await startGrpcServer(app.services.rpc, {
    ...app.services.rpcOptions,
    host: config.host,
    port: config.grpcPort,
    tls,
    guard: app.services.auth.guard,
    admission: app.services.admission,
    connections: { ...config.connections, maxConnections },
    connectionEvents: connectionEvents("grpc", metrics, logger),
  }).catch((err) => {
    throw bindError(err, { flag: "--grpc-port", host: config.host, port: config.grpcPort });
  });
  stack.defer(() => grpc.close());
  metrics.watchConnections("grpc", () => grpc.connections);
  app.ready = true;
  app.services.auth.announce(http.port);
  logger.info("listening", {
    host: config.host,
    port: http.port,
    grpcPort: grpc.port,
    tls: tls !== undefined,
    dataDir: config.dataDir,
    storage: app.services.storage.kind,
    logHead: app.services.storage.log.bounds().head,
    version: VERSION,
    maxConnections,
  });
  const owned = stack.move();
  let stopping: Promise<void> | null = null;
  return {
    port: http.port,
    grpcPort: grpc.port,
    app,
    stop() {
      stopping ??= (async () => {
        app.ready = false;
        logger.info("shutting down");
        app.endStreams();
        await owned.disposeAsync();
        logger.info("stopped", { logHead: app.services.storage.log.bounds().head });
      })();
      return stopping;
    },
  };
}

interface HttpListener {
  readonly port: number;
  /** Connections open on the port (with the gate; Deno.serve alone cannot count them). */
  readonly connections: (() => number) | null;
  /** Lets requests in flight finish for up to `timeoutMs`, then closes every connection. */
  close(timeoutMs: number): Promise<void>;
}

/** What the connection caps and timeouts report, on either port: metrics and the log. */
function connectionEvents(
  listener: "http" | "grpc",
  metrics: BusMetrics,
  logger: Logger,
): ConnectionEvents & GateEvents {
  const warnRefused = throttledWarn(logger, CONNECTION_WARN_INTERVAL_MS);
  const warnAccept = throttledWarn(logger, CONNECTION_WARN_INTERVAL_MS);
  return {
    refused(cap, host, limit) {
      metrics.connectionRefused(listener, cap);
      warnRefused("connection refused: over a connection cap", {
        listener,
        cap,
        limit,
        client: host,
      });
    },
    timedOut(kind, host) {
      metrics.connectionTimedOut(listener, kind);
      logger.debug("connection closed: timed out", { listener, timeout: kind, client: host });
    },
    acceptFailed(message) {
      warnAccept("cannot accept connections; retrying", { listener, error: message });
    },
  };
}

/**
 * Deno.serve with a stop that keeps its word: while stopping, new requests are answered 503
 * and those in flight get until the timeout; then the server's abort signal closes every
 * connection (Deno's own graceful shutdown() cannot be cut short once it has begun).
 *
 * With the gate (the default), Deno.serve listens on 127.0.0.1 on a port of its own and the gate
 * listens on --port: each request is handed to the app with the client's real address, the gate
 * learns which connections have requests in flight, and an answer that says `connection: close`
 * really closes its connection.
 */
async function listenHttp(
  app: App,
  activity: ModActivity,
  config: Config,
  tls: { cert: string; key: string } | undefined,
  logger: Logger,
  opts: { maxConnections: number; events: GateEvents },
): Promise<HttpListener> {
  const kill = new AbortController();
  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;
  const serve = async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    if (stopping) return stoppingResponse();
    activity.observe(req, info.remoteAddr);
    inFlight++;
    try {
      return await app.fetch(req, info);
    } finally {
      if (--inFlight === 0) drained?.();
    }
  };
  const gated = config.connections.gate;
  let gate: Gate | null = null;
  const throughGate = async (
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> => {
    const g = gate;
    if (g === null) return bypassResponse(null); // the gate is not listening yet
    const up = info.remoteAddr.port;
    const completed = info.completed;
    g.begin(up);
    let close = false;
    let upgraded: WebSocket | undefined;
    try {
      const found = g.peer(up);
      const peer = found instanceof Promise ? await found : found;
      const res = peer === null
        ? bypassResponse(g.port)
        : await serve(req, { remoteAddr: peer, completed });
      close = res.headers.get("connection") === "close";
      if (res.status === 101) upgraded = upgradedSocket(req);
      return res;
    } finally {
      // In flight until the answer is sent; an upgraded connection, until its socket closes.
      const end = () => g.end(up, close);
      if (upgraded) upgraded.addEventListener("close", end, { once: true });
      else completed.then(end, end);
    }
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: gated ? "127.0.0.1" : config.host,
      port: gated ? 0 : config.port,
      signal: kill.signal,
      onListen: () => {},
      ...tls,
    }, gated ? throughGate : serve);
  } catch (err) {
    throw bindError(err, { flag: "--port", host: config.host, port: config.port });
  }
  if (gated) {
    const c = config.connections;
    try {
      gate = await startGate({
        host: config.host,
        port: config.port,
        upstreamPort: server.addr.port,
        tls: tls !== undefined,
        maxConnections: opts.maxConnections,
        maxConnectionsPerAddress: c.maxConnectionsPerAddress,
        headerTimeoutMs: c.headerTimeoutMs,
        idleTimeoutMs: c.idleTimeoutMs,
      }, opts.events);
    } catch (err) {
      kill.abort();
      await server.finished;
      throw bindError(err, { flag: "--port", host: config.host, port: config.port });
    }
  }
  const running = gate;
  return {
    port: running?.port ?? server.addr.port,
    connections: running ? () => running.open : null,
    async close(timeoutMs) {
      stopping = true;
      if (inFlight > 0) {
        const { promise, resolve } = Promise.withResolvers<void>();
        drained = resolve;
        const timer = setTimeout(resolve, timeoutMs);
        await promise;
        clearTimeout(timer);
      }
      if (inFlight > 0) {
        logger.warn("shutdown timed out; closing open connections", { requests: inFlight });
      }
      kill.abort();
      // Deno.serve first, so the gate forwards what it wrote last (WebSocket close frames).
      await server.finished;
      await running?.stop();
    },
  };
}

/** A request that reached the internal listener without the gate (a local process). */
function bypassResponse(port: number | null): Response {
  const bus = port === null ? "the bus's port" : `the bus's port ${port}`;
  return new Response(
    JSON.stringify({
      status: "error",
      error: `Connect to ${bus}; this port is its internal listener`,
      details: [],
    }),
    {
      status: 403,
      headers: { "content-type": "application/json; charset=utf-8", connection: "close" },
    },
  );
}

function stoppingResponse(): Response {
  return new Response(
    JSON.stringify({ status: "error", error: "The bus is shutting down", details: [] }),
    {
      status: 503,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "retry-after": "1",
        connection: "close",
      },
    },
  );
}

/** Both PEM files, or neither (then both listeners are cleartext: HTTP/1.1 and h2c). */
async function readTls(config: Config): Promise<{ cert: string; key: string } | undefined> {
  const { tlsCertFile, tlsKeyFile } = config;
  if (!tlsCertFile && !tlsKeyFile) return undefined;
  if (!tlsCertFile || !tlsKeyFile) {
    throw new StartupError(
      "Cannot start: --tls-cert and --tls-key go together; give both or neither",
      2,
    );
  }
  try {
    return { cert: await Deno.readTextFile(tlsCertFile), key: await Deno.readTextFile(tlsKeyFile) };
  } catch (err) {
    throw new StartupError(
      `Cannot start: cannot read the TLS files: ${(err as Error).message}`,
      1,
      { cause: err },
    );
  }
}
