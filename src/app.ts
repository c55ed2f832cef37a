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
import { routes } from "./http/routes.ts";
import denoJson from "../deno.json" with { type: "json" };

export const VERSION: string = denoJson.version;

export interface RunningApp {
  /** The bound HTTP port (useful with --port 0). */
  readonly port: number;
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
  let ready = false;
  const handler = createHandler(routes, {
    ingest: new Ingest(log, config.limits, metrics),
    log,
    commands: new CommandQueue(kv),
    limits: config.limits,
    logger,
    metricsText: () => metrics.registry.metrics(),
    version: VERSION,
    startedAtMs,
    isReady: () => ready,
  }, (route, method, status, seconds) => metrics.request(route, method, status, seconds));

  const { resolve: listening, promise: bound } = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ port }) => listening(port),
  }, handler);
  const port = await bound;
  ready = true;
  logger.info("listening", {
    host: config.host,
    port,
    dataDir: config.dataDir,
    logHead: log.bounds().head,
    version: VERSION,
  });

  let stopping: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        ready = false;
        logger.info("shutting down");
        const timeout = new Promise<"timeout">((r) =>
          setTimeout(() => r("timeout"), config.shutdownTimeoutMs)
        );
        const outcome = await Promise.race([
          server.shutdown().then(() => "done" as const),
          timeout,
        ]);
        if (outcome === "timeout") logger.warn("shutdown timed out; closing open connections");
        await log.close();
        kv.close();
        logger.info("stopped", { logHead: log.bounds().head });
      })();
      return stopping;
    },
  };
}
