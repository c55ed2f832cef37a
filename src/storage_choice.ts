/**
 * Opens the storage `--store` names: the Deno KV file in the data dir (default), or a NATS
 * JetStream cluster (docs/scale-out.md), with the JetStream store's metrics on a registry.
 * @module
 */
import client from "prom-client";
import type { Config, StoreConfig } from "./config.ts";
import { StartupError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { type LogOptions, openStorage, type Storage } from "./log/mod.ts";
import {
  defaultReplicas,
  type JetStreamObserver,
  type NatsOptions,
  openJetStreamStorage,
} from "./log/jetstream/mod.ts";

const RETRY_EVERY_MS = 1_000;

/** Opens the configured storage; a JetStream one retries an unreachable cluster, then exits. */
export async function openConfiguredStorage(
  config: Config,
  logger: Logger,
  opts: LogOptions & { registry?: client.Registry },
): Promise<Storage> {
  if (config.store.kind === "kv") {
    return await openStorage(config.logStore, config.dataDir, {
      ...opts,
      onConverted: (keys) => logger.info("data dir converted to the current layout", { keys }),
    });
  }
  const nats = natsOptions(config.store);
  const storeObserver = opts.registry ? jetStreamMetrics(opts.registry) : undefined;
  const deadline = Date.now() + config.store.natsConnectTimeoutMs;
  for (let attempt = 1;; attempt++) {
    try {
      return await openJetStreamStorage({ ...opts, nats, storeObserver });
    } catch (err) {
      const message = (err as Error).message;
      if (Date.now() >= deadline) {
        throw new StartupError(`Cannot start: ${message} (gave up after ${attempt} attempts)`, 1);
      }
      if (attempt === 1) {
        logger.warn(`${message}; retrying until --nats-connect-timeout runs out`);
      }
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
    }
  }
}

/** The NATS connection options `--nats-*` name. */
export function natsOptions(s: StoreConfig): NatsOptions {
  return {
    servers: s.natsServers,
    namespace: s.natsNamespace,
    replicas: s.natsReplicas || defaultReplicas(s.natsServers),
    credsFile: s.natsCredsFile || undefined,
    user: s.natsUser || undefined,
    pass: s.natsPassword || undefined,
    token: s.natsToken || undefined,
    tlsCaFile: s.natsTlsCaFile || undefined,
    tlsCertFile: s.natsTlsCertFile || undefined,
    tlsKeyFile: s.natsTlsKeyFile || undefined,
  };
}

/** /ready's view of the store: false while a JetStream store is cut off from its cluster. */
export function storageHealthy(storage: Storage): boolean {
  const probe = (storage as Partial<{ healthy(): boolean }>).healthy;
  return probe ? probe.call(storage) : true;
}

function jetStreamMetrics(registry: client.Registry): JetStreamObserver {
  const registers = [registry];
  const latency = new client.Histogram({
    name: "jimbot_store_publish_seconds",
    help: "Time from publishing an append to JetStream until every message of it was acked.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers,
  });
  const pending = new client.Gauge({
    name: "jimbot_store_pending_events",
    help: "Events and dead letters published to JetStream and not yet acked.",
    registers,
  });
  const reconnects = new client.Counter({
    name: "jimbot_store_reconnects_total",
    help: "Reconnections to the NATS cluster.",
    registers,
  });
  return {
    publishSeconds: (seconds) => latency.observe(seconds),
    pending: (events) => pending.set(events),
    reconnected: () => reconnects.inc(),
  };
}
