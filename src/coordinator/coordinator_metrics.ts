/**
 * jimbot_coordinator_* metrics on the process's one prom-client registry: counters fed through
 * {@linkcode CoordinatorObserver}, gauges read from the coordinator's status when scraped.
 * @module
 */
import client from "prom-client";
import type { CoordinatorObserver, CoordinatorStatus } from "./coordinator.ts";
import type { LeaseEvent } from "./lease_pool.ts";
import type { ReserveOutcome } from "./rate_limiter.ts";

export class CoordinatorMetrics implements CoordinatorObserver {
  readonly #leaseEvents: client.Counter<"resource" | "component" | "state">;
  readonly #reservations: client.Counter<"limiter" | "outcome">;
  readonly #retryAfter: client.Histogram<"limiter">;
  #status: (() => CoordinatorStatus) | undefined;

  constructor(registry: client.Registry) {
    const registers = [registry];
    const status = () => this.#status?.();
    this.#leaseEvents = new client.Counter({
      name: "jimbot_coordinator_lease_events_total",
      help: "Lease decisions and endings by resource, component and state " +
        "(granted, denied, queued, released, expired, preempted).",
      labelNames: ["resource", "component", "state"],
      registers,
    });
    this.#reservations = new client.Counter({
      name: "jimbot_coordinator_reservations_total",
      help: "Rate-limit reservations by limiter and outcome (allowed, denied).",
      labelNames: ["limiter", "outcome"],
      registers,
    });
    this.#retryAfter = new client.Histogram({
      name: "jimbot_coordinator_rate_limit_wait_seconds",
      help: "Retry-after given to refused reservations, by limiter.",
      labelNames: ["limiter"],
      buckets: [0.1, 0.5, 1, 5, 15, 36, 60, 300, 900, 3600],
      registers,
    });
    new client.Gauge({
      name: "jimbot_coordinator_utilisation_ratio",
      help: "Used share of each resource's capacity (GPU slice: 1 while held).",
      labelNames: ["resource"],
      registers,
      collect() {
        this.reset();
        for (const r of status()?.resources ?? []) {
          this.set({ resource: r.resource }, r.capacity ? r.used / r.capacity : 0);
        }
      },
    });
    new client.Gauge({
      name: "jimbot_coordinator_used",
      help: "Held amount by resource and component (MB; slices: leases held).",
      labelNames: ["resource", "component"],
      registers,
      collect() {
        this.reset();
        for (const r of status()?.resources ?? []) {
          for (const c of r.components) {
            this.set({ resource: r.resource, component: c.component }, c.used);
          }
        }
      },
    });
    new client.Gauge({
      name: "jimbot_coordinator_queue_depth",
      help: "Requests waiting, by resource.",
      labelNames: ["resource"],
      registers,
      collect() {
        this.reset();
        for (const r of status()?.resources ?? []) this.set({ resource: r.resource }, r.queued);
      },
    });
    new client.Gauge({
      name: "jimbot_coordinator_rate_limit_remaining",
      help: "Tokens left in each rate-limit bucket (negative: in debt after a commit).",
      labelNames: ["limiter", "bucket"],
      registers,
      collect() {
        this.reset();
        for (const l of status()?.limiters ?? []) {
          for (const b of l.buckets) this.set({ limiter: l.limiter, bucket: b.name }, b.remaining);
        }
      },
    });
  }

  /** Where the gauges read from (the coordinator exists after its metrics). */
  watch(status: () => CoordinatorStatus): void {
    this.#status = status;
  }

  leaseEvents(events: readonly LeaseEvent[]): void {
    for (const e of events) {
      this.#leaseEvents.inc({
        resource: e.lease.resource,
        component: e.lease.component,
        state: e.state,
      });
    }
  }

  reserved(limiter: string, outcome: ReserveOutcome): void {
    this.#reservations.inc({ limiter, outcome: outcome.allowed ? "allowed" : "denied" });
    if (!outcome.allowed && outcome.retryAfterMs > 0) {
      this.#retryAfter.observe({ limiter }, outcome.retryAfterMs / 1000);
    }
  }
}
