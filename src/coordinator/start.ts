/**
 * Starting the coordinator inside the bus: configuration (file, `--gpu` flags, nvidia-smi,
 * system memory), state in the storage's coordinator store, metrics on the process registry, events on the
 * log. app.ts calls this and registers the service; it decides nothing itself.
 * @module
 */
import type client from "prom-client";
import type { EventLog, StateStore } from "../log/mod.ts";
import type { Logger } from "../logger.ts";
import { Coordinator } from "./coordinator.ts";
import { type GpuDevice, readCoordinatorConfig } from "./coordinator_config.ts";
import { CoordinatorMetrics } from "./coordinator_metrics.ts";
import { logPublisher } from "./events.ts";
import { detectGpus } from "./gpu_detect.ts";

export interface CoordinatorDeps {
  /** `--coordinator-config` ("" for the defaults). */
  readonly configFile: string;
  /** `--gpu` devices (used when the file lists none; nvidia-smi when both are empty). */
  readonly gpus: readonly GpuDevice[];
  readonly log: EventLog;
  readonly registry: client.Registry;
  readonly logger: Logger;
}

export interface RunningCoordinator {
  readonly coordinator: Coordinator;
  /** Finishes writes and publishes what is queued; call before the log closes. */
  close(): Promise<void>;
}

export async function startCoordinator(
  store: StateStore,
  deps: CoordinatorDeps,
): Promise<RunningCoordinator> {
  const gpus = deps.gpus.length > 0 ? deps.gpus : await detectGpus();
  const config = await readCoordinatorConfig(deps.configFile, {
    gpus,
    systemMemoryMb: Math.floor(Deno.systemMemoryInfo().total / 1_048_576),
  });
  const metrics = new CoordinatorMetrics(deps.registry);
  const publisher = logPublisher(
    deps.log,
    (error) => deps.logger.warn("coordinator event not published", { error }),
  );
  const coordinator = await Coordinator.open(store, config, {
    observer: metrics,
    onEvents: (events) => publisher.publish(events),
  });
  metrics.watch(() => coordinator.status());
  deps.logger.info("coordinator started", {
    resources: coordinator.resources,
    limiters: config.limiters.map((l) => l.name),
    memoryMb: config.memory.totalMb,
    gpus: config.gpu.devices,
  });
  return {
    coordinator,
    async close() {
      await coordinator.close();
      await publisher.close();
    },
  };
}
