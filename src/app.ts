/**
 * Wires the parts together and owns start and stop; it decides nothing itself.
 * @module
 */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { CommandQueue } from "./commands/mod.ts";
import { Ingest } from "./ingest/mod.ts";
import { KvEventLog } from "./log/mod.ts";
import { BusMetrics } from "./metrics.ts";
import { createHandler } from "./http/handler.ts";
import { BodyReader } from "./http/body.ts";
import { routes } from "./http/routes.ts";
import { consoleRoutes } from "./console/routes.ts";
import { Analytics, analyticsRoutes, readGameFigures } from "./analytics/mod.ts";
import { sseMount } from "./http/sse.ts";
import { wsMount } from "./http/ws.ts";
import { Bus } from "./bus/mod.ts";
import {
  createFetchRpcHandler,
  eventBusService,
  type ServiceRegistration,
  startGrpcServer,
} from "./rpc/mod.ts";
import { coordinatorService, startCoordinator } from "./coordinator/mod.ts";
import { advisorService, EngineWorker, LiveAdvice } from "./advisor/mod.ts";
import denoJson from "../deno.json" with { type: "json" };

export const VERSION: string = denoJson.version;

export interface RunningApp {
  /** The bound HTTP port (useful with --port 0). */
  readonly port: number;
  /** The bound native gRPC port. */
  readonly grpcPort: number;
  /** Graceful stop: refuse new connections, finish requests and commits, close the store. */
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const startedAtMs = performance.now();
  await Deno.mkdir(config.dataDir, { recursive: true });
  const kvPath = `${config.dataDir}/jimbot.kv`;
  const kv = await Deno.openKv(kvPath);
  const metrics = new BusMetrics();
  const log = await KvEventLog.open(kv, {
    retention: config.retention,
    maxPendingEvents: config.maxPendingEvents,
    observer: metrics,
    onBackgroundError: (error) => logger.error("retention sweep failed", { error }),
  });
  metrics.setHead(log.bounds().head);
  const bus = await Bus.open(kv, log, {
    tailEvents: config.streamTailEvents,
    tailBytes: config.streamTailBytes,
    observer: metrics,
    onBackgroundError: (error) => logger.error("stream background work failed", { error }),
  });
  metrics.watchStream({
    head: () => log.bounds().head,
    groups: () => bus.groups.all(),
    pending: () => log.pendingEvents,
  });
  const ingest = new Ingest(log, config.limits, metrics);
  const analytics = config.analytics.enabled
    ? Analytics.start(log, { dataDir: config.dataDir, config: config.analytics, logger })
    : null;
  if (analytics) metrics.watchGames(() => readGameFigures(analytics));
  const commands = new CommandQueue(kv);
  const coordinator = await startCoordinator(kv, {
    configFile: config.coordinatorConfigFile,
    gpus: config.gpus,
    log,
    registry: metrics.registry,
    logger,
  });
  // Ends open streams on shutdown, so a graceful stop does not wait for subscribers.
  const closing = new AbortController();
  // The advisor's searches and simulations run in workers: one for RPCs, one for live advice.
  const advisorEngine = new EngineWorker();
  const adviceEngine = new EngineWorker({ maxQueuedJobs: 1 });
  const liveAdvice = config.liveAdvice
    ? LiveAdvice.start({ log, ingest, engine: adviceEngine, logger })
    : null;
  // Every Connect service, served on both listeners: add a registration here.
  const services: ServiceRegistration[] = [
    eventBusService({
      ingest,
      bus,
      maxCredits: config.maxStreamCredits,
      onCredits: (delta) => metrics.credits(delta),
    }),
    coordinatorService(coordinator.coordinator),
    advisorService({ engine: advisorEngine }),
  ];
  const rpcOptions = {
    logger,
    readMaxBytes: config.limits.maxBodyBytes,
    shutdownSignal: closing.signal,
  };
  const rpc = createFetchRpcHandler(services, rpcOptions);
  const tls = await readTls(config);
  let ready = false;
  const handler = createHandler(
    [...routes, ...consoleRoutes, ...(analytics ? analyticsRoutes(analytics) : [])],
    {
      ingest,
      log,
      commands,
      limits: config.limits,
      bodies: new BodyReader(config.limits),
      logger,
      metricsText: () => metrics.registry.metrics(),
      version: VERSION,
      startedAtMs,
      isReady: () => ready,
    },
    (route, method, status, seconds) => metrics.request(route, method, status, seconds),
    [
      { name: "rpc", handle: (req, url) => rpc.handle(req, url.pathname) },
      wsMount({ bus, ingest, commands, limits: config.limits, logger, closing: closing.signal }),
      sseMount(bus, closing.signal),
    ],
  );

  const { resolve: listening, promise: bound } = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ port }) => listening(port),
    ...tls,
  }, handler);
  const port = await bound;
  const grpc = await startGrpcServer(services, {
    ...rpcOptions,
    host: config.host,
    port: config.grpcPort,
    tls,
  });
  ready = true;
  logger.info("listening", {
    host: config.host,
    port,
    grpcPort: grpc.port,
    tls: tls !== undefined,
    dataDir: config.dataDir,
    logHead: log.bounds().head,
    version: VERSION,
  });

  let stopping: Promise<void> | null = null;
  return {
    port,
    grpcPort: grpc.port,
    stop() {
      stopping ??= (async () => {
        ready = false;
        logger.info("shutting down");
        closing.abort();
        const grpcClosed = grpc.close();
        const timeout = new Promise<"timeout">((r) =>
          setTimeout(() => r("timeout"), config.shutdownTimeoutMs)
        );
        const outcome = await Promise.race([
          server.shutdown().then(() => "done" as const),
          timeout,
        ]);
        if (outcome === "timeout") logger.warn("shutdown timed out; closing open connections");
        await grpcClosed;
        await liveAdvice?.close();
        adviceEngine.close();
        advisorEngine.close();
        await coordinator.close();
        await bus.close();
        await analytics?.stop();
        await log.close();
        kv.close();
        logger.info("stopped", { logHead: log.bounds().head });
      })();
      return stopping;
    },
  };
}

/** Both PEM files, or neither (then both listeners are cleartext: HTTP/1.1 and h2c). */
async function readTls(config: Config): Promise<{ cert: string; key: string } | undefined> {
  const { tlsCertFile, tlsKeyFile } = config;
  if (!tlsCertFile && !tlsKeyFile) return undefined;
  if (!tlsCertFile || !tlsKeyFile) {
    throw new Error("Cannot start: --tls-cert and --tls-key go together; give both or neither");
  }
  return { cert: await Deno.readTextFile(tlsCertFile), key: await Deno.readTextFile(tlsKeyFile) };
}
