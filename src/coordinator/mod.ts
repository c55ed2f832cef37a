/** The Resource Coordinator: leases of memory, GPU memory and GPU time, and API rate limits. */
export {
  type AcquireRequest,
  Coordinator,
  type CoordinatorEvent,
  type CoordinatorObserver,
  type CoordinatorOptions,
  type CoordinatorStatus,
  poolSpecs,
  type ReserveRequest,
} from "./coordinator.ts";
export {
  type CoordinatorConfig,
  CoordinatorConfigError,
  type GpuDevice,
  parseCoordinatorConfig,
  readCoordinatorConfig,
} from "./coordinator_config.ts";
export { detectGpus, parseGpuFlag, parseNvidiaSmi } from "./gpu_detect.ts";
export { type Clock, systemClock } from "./clock.ts";
export { type EventPublisher, logPublisher } from "./events.ts";
export { CoordinatorMetrics } from "./coordinator_metrics.ts";
export { coordinatorService, registerCoordinator } from "./service.ts";
export type { AcquireOutcome, LeaseEvent, LeaseView } from "./lease_pool.ts";
export { type CoordinatorDeps, type RunningCoordinator, startCoordinator } from "./start.ts";
