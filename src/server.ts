/**
 * Listening: takes the data dir's lock, creates the app, serves it on the HTTP port and the
 * native gRPC port, and stops it all. Start-up opens things in order and, when a step fails,
 * closes what was already open in reverse order (an AsyncDisposableStack); stop closes the
 * listeners (giving requests until --shutdown-timeout, then closing their connections), then
 * the app, then releases the lock.
 * @module
 */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { StartupError } from "./errors.ts";
import { type App, createApp, VERSION } from "./app.ts";
import { lockDataDir } from "./log/mod.ts";
import { startGrpcServer } from "./rpc/mod.ts";
import { bindError, ensureDataDir } from "./startup_errors.ts";
import { ModActivity } from "./http/mod_activity.ts";

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
  const http = listenHttp(app, activity, config, tls, logger);
  stack.defer(() => http.close(config.shutdownTimeoutMs));
  const grpc = await startGrpcServer(app.services.rpc, {
    ...app.services.rpcOptions,
    host: config.host,
    port: config.grpcPort,
    tls,
    guard: app.services.auth.guard,
    admission: app.services.admission,
  }).catch((err) => {
    throw bindError(err, { flag: "--grpc-port", host: config.host, port: config.grpcPort });
  });
  stack.defer(() => grpc.close());
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
  /** Lets requests in flight finish for up to `timeoutMs`, then closes every connection. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Deno.serve with a stop that keeps its word: while stopping, new requests are answered 503
 * and those in flight get until the timeout; then the server's abort signal closes every
 * connection (Deno's own graceful shutdown() cannot be cut short once it has begun).
 */
function listenHttp(
  app: App,
  activity: ModActivity,
  config: Config,
  tls: { cert: string; key: string } | undefined,
  logger: Logger,
): HttpListener {
  const kill = new AbortController();
  let inFlight = 0;
  let stopping = false;
  let drained: (() => void) | null = null;
  const handler = async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    if (stopping) return stoppingResponse();
    activity.observe(req, info.remoteAddr);
    inFlight++;
    try {
      return await app.fetch(req, info);
    } finally {
      if (--inFlight === 0) drained?.();
    }
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      signal: kill.signal,
      onListen: () => {},
      ...tls,
    }, handler);
  } catch (err) {
    throw bindError(err, { flag: "--port", host: config.host, port: config.port });
  }
  return {
    port: server.addr.port,
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
      await server.finished;
    },
  };
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
