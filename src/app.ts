/**
 * Wires the parts together, in process: `createApp` opens the storage and every service and
 * returns the one `fetch` every HTTP request of the main port passes through (REST, Connect,
 * WebSocket, SSE). Listening is server.ts's job; tests call `fetch` directly. It decides nothing.
 * @module
 */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { CommandQueue } from "./commands/mod.ts";
import { Ingest } from "./ingest/mod.ts";
import type { Storage } from "./log/mod.ts";
import { openConfiguredStorage, storageHealthy } from "./storage_choice.ts";
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
  type RpcOptions,
  type ServiceRegistration,
} from "./rpc/mod.ts";
import { type Coordinator, coordinatorService, startCoordinator } from "./coordinator/mod.ts";
import { advisorService, EngineWorker, LiveAdvice } from "./advisor/mod.ts";
import { trackingServer } from "./mlflow/mod.ts";
import { Admission, type RunningAuth, startAuth } from "./auth/mod.ts";
import { guardedHandler } from "./http/guarded_handler.ts";
import denoJson from "../deno.json" with { type: "json" };

export const VERSION: string = denoJson.version;

/** The running parts, for the listeners and for tests. */
export interface AppServices {
  readonly storage: Storage;
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly commands: CommandQueue;
  readonly coordinator: Coordinator;
  readonly analytics: Analytics | null;
  readonly metrics: BusMetrics;
  /** Every Connect service, for a second listener (native gRPC) to serve as well. */
  readonly rpc: readonly ServiceRegistration[];
  readonly rpcOptions: RpcOptions;
  /** Who may do what (tokens, sessions, browser rules); both listeners check it. */
  readonly auth: RunningAuth;
  /** One set of per-client limits for both listeners. */
  readonly admission: Admission;
}

export interface App extends AsyncDisposable {
  /**
   * Answers one request of the main port: the guard (identity, browser rules), admission
   * (per-client limits), then the routes. `info` says who is asking (a loopback peer if absent).
   */
  readonly fetch: (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
  readonly services: AppServices;
  /** /ready answers 200 only while this is true (set once the listeners are up). */
  ready: boolean;
  /** Ends open streams (subscriptions, SSE, WebSocket) so that a stop need not wait for them. */
  endStreams(): void;
  /** Closes everything createApp opened, newest first; the storage last. Idempotent. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** The storage to run on (the app closes it); the one `--store` names when absent. */
  readonly storage?: Storage;
}

/** Opens every part; if one fails, closes what was already open (newest first) and throws. */
export async function createApp(
  config: Config,
  logger: Logger,
  opts: CreateAppOptions = {},
): Promise<App> {
  const startedAtMs = performance.now();
  await using stack = new AsyncDisposableStack();
  const auth = stack.adopt(
    await startAuth(config.auth, {
      host: config.host,
      dataDir: config.dataDir,
      tls: Boolean(config.tlsCertFile),
      logger,
    }),
    (a) => a.close(),
  );
  const metrics = new BusMetrics();
  const storage = stack.use(
    opts.storage ?? await openConfiguredStorage(config, logger, {
      retention: config.retention,
      maxPendingEvents: config.maxPendingEvents,
      observer: metrics,
      onBackgroundError: (error) => logger.error("event log background work failed", { error }),
      registry: metrics.registry,
    }),
  );
  const log = storage.log;
  metrics.setHead(log.bounds().head);
  const bus = await Bus.open(log, storage.groups, {
    tailEvents: config.streamTailEvents,
    tailBytes: config.streamTailBytes,
    observer: metrics,
    onBackgroundError: (error) => logger.error("stream background work failed", { error }),
  });
  stack.defer(() => bus.close());
  metrics.watchStream({
    head: () => log.bounds().head,
    groups: () => bus.groups.all(),
    pending: () => log.pendingEvents,
  });
  const ingest = new Ingest(log, config.limits, metrics);
  const analytics = config.analytics.enabled
    ? await Analytics.start(log, {
      dataDir: config.dataDir,
      config: config.analytics,
      logger,
      logLevel: config.logLevel,
    })
    : null;
  if (analytics) {
    stack.defer(() => analytics.stop());
    metrics.watchGames(() => readGameFigures(analytics));
  }
  const commands = new CommandQueue(
    storage.commands,
    (error) => logger.error("a command listener failed", { error }),
  );
  const coordinator = await startCoordinator(storage.coordinator, {
    configFile: config.coordinatorConfigFile,
    gpus: config.gpus,
    log,
    registry: metrics.registry,
    logger,
  });
  stack.defer(() => coordinator.close());
  // The advisor's searches and simulations run in workers: one for RPCs, one for live advice.
  const advisorEngine = stack.adopt(new EngineWorker(), (e) => e.close());
  const adviceEngine = stack.adopt(new EngineWorker({ maxQueuedJobs: 1 }), (e) => e.close());
  const liveAdvice = config.liveAdvice
    ? LiveAdvice.start({ log, ingest, engine: adviceEngine, logger })
    : null;
  if (liveAdvice) stack.defer(() => liveAdvice.close());
  const tracking = trackingServer({ ...config, store: storage.tracking, ingest, logger });
  // Ends open streams on shutdown, so a graceful stop does not wait for subscribers.
  const closing = new AbortController();
  // Every Connect service, served on both listeners: add a registration here.
  const rpc: ServiceRegistration[] = [
    eventBusService({
      ingest,
      bus,
      maxCredits: config.maxStreamCredits,
      onCredits: (delta) => metrics.credits(delta),
    }),
    coordinatorService(coordinator.coordinator),
    advisorService({ engine: advisorEngine }),
  ];
  const rpcOptions: RpcOptions = {
    logger,
    readMaxBytes: config.limits.maxBodyBytes,
    shutdownSignal: closing.signal,
  };
  const rpcHandler = createFetchRpcHandler(rpc, rpcOptions);
  const state = { ready: false };
  const routed = createHandler(
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
      isReady: () => state.ready && storageHealthy(storage),
    },
    (route, method, status, seconds) => metrics.request(route, method, status, seconds),
    [
      { name: "rpc", handle: (req, url) => rpcHandler.handle(req, url.pathname) },
      wsMount({ bus, ingest, commands, limits: config.limits, logger, closing: closing.signal }),
      sseMount(bus, closing.signal),
      ...tracking.mounts,
    ],
  );
  const admission = new Admission(config.admission);
  const guarded = guardedHandler(auth.guard, admission, routed, logger);
  const fetch = (req: Request, info: Deno.ServeHandlerInfo = IN_PROCESS_PEER) => guarded(req, info);
  const owned = stack.move();
  let closed: Promise<void> | null = null;
  const close = () => closed ??= owned.disposeAsync();
  return {
    fetch,
    services: {
      storage,
      bus,
      ingest,
      commands,
      coordinator: coordinator.coordinator,
      analytics,
      metrics,
      rpc,
      rpcOptions,
      auth,
      admission,
    },
    get ready() {
      return state.ready;
    },
    set ready(value: boolean) {
      state.ready = value;
    },
    endStreams: () => closing.abort(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The peer of a request handed to `fetch` in process (tests): this machine, over loopback. */
const IN_PROCESS_PEER: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  completed: Promise.resolve(),
};
