/**
 * An MLflow-compatible tracking server inside the bus: REST API, model registry, artifacts,
 * bus events for every change, and the run comparison page.
 * @module
 */
import type { Limits } from "../config.ts";
import { BodyReader } from "../http/body.ts";
import type { Mount } from "../http/handler.ts";
import type { Ingest } from "../ingest/mod.ts";
import type { Logger } from "../logger.ts";
import { mlflowMounts } from "./api.ts";
import { ArtifactStore } from "./artifacts.ts";
import { busPublisher } from "./publisher.ts";
import { Registry } from "./registry.ts";
import type { TrackingStore } from "../log/mod.ts";
import { Tracking } from "./tracking.ts";
import { comparePageMount } from "./compare_page.ts";

export { Tracking } from "./tracking.ts";
export { Registry } from "./registry.ts";

export interface TrackingServerOptions {
  readonly store: TrackingStore;
  readonly ingest: Pick<Ingest, "acceptOwnBatch">;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly limits: Limits;
  /** Cap on all artifact files together. */
  readonly artifactsMaxBytes: number;
}

/** The tracking server's mounts (API, artifacts, comparison page) for the bus's handler. */
export function trackingServer(opts: TrackingServerOptions): { mounts: Mount[] } {
  const publish = busPublisher(opts.ingest, opts.logger);
  const tracking = new Tracking(opts.store, publish);
  const registry = new Registry(opts.store, publish);
  const artifacts = new ArtifactStore(opts.dataDir, opts.artifactsMaxBytes);
  const bodies = new BodyReader(opts.limits);
  return {
    mounts: [
      ...mlflowMounts({
        tracking,
        registry,
        artifacts,
        bodies,
        uploadIdleMs: opts.limits.bodyTimeoutMs,
        logger: opts.logger,
      }),
      comparePageMount(),
    ],
  };
}
