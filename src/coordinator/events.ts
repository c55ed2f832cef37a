/**
 * Coordinator events on the bus: granted, released, expired, preempted, denied and
 * quota_exhausted under `system.coordinator.<state>`, appended to the event log in small batches
 * so analytics sees them. Queued notices stay on WatchLeases only.
 * @module
 */
import type { EventLog, NewEvent } from "../log/mod.ts";
import type { CoordinatorEvent } from "./coordinator.ts";

export interface EventPublisher {
  /** Queues events for the next append. */
  publish(events: readonly CoordinatorEvent[]): void;
  /** Appends what is queued and stops. */
  close(): Promise<void>;
}

/** Most events waiting for an append; beyond it the oldest are dropped (and counted). */
const MAX_QUEUED = 10_000;
/** Events are gathered for this long before one append. */
const FLUSH_MS = 20;

/** Publishes to `log`; append failures go to `onError` (the decision stands regardless). */
export function logPublisher(log: EventLog, onError: (err: unknown) => void): EventPublisher {
  let queued: NewEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let dropped = 0;
  const flush = () => {
    timer = null;
    const events = queued;
    queued = [];
    if (events.length === 0) return;
    inFlight = inFlight.then(() => log.append({ events, deadLetters: [] }).then(() => {}))
      .catch(onError);
  };
  return {
    publish(events) {
      for (const e of events) {
        if (e.state === "queued") continue;
        if (queued.length >= MAX_QUEUED) {
          queued.shift();
          dropped++;
        }
        queued.push(toNewEvent(e));
      }
      if (dropped > 0) {
        onError(new Error(`dropped ${dropped} coordinator events: the log is not keeping up`));
        dropped = 0;
      }
      if (queued.length > 0 && timer === null) timer = setTimeout(flush, FLUSH_MS);
    },
    async close() {
      if (timer !== null) clearTimeout(timer);
      flush();
      await inFlight;
    },
  };
}

function toNewEvent(e: CoordinatorEvent): NewEvent {
  const payload = e.state === "quota_exhausted"
    ? {
      limiter: e.limiter,
      component: e.component,
      retry_after_ms: e.retryAfterMs,
      reason: e.reason,
    }
    : {
      lease_id: e.lease.leaseId,
      resource: e.lease.resource,
      component: e.lease.component,
      amount: e.lease.amount,
      priority: e.lease.priority,
      granted_at_ms: e.lease.grantedAtMs || undefined,
      expires_at_ms: e.lease.expiresAtMs || undefined,
      reason: e.reason,
    };
  return {
    event_id: crypto.randomUUID(),
    clientEventId: false,
    type: "COORDINATOR",
    subtype: e.state,
    topic: `system.coordinator.${e.state}`,
    source: "jimbot-coordinator",
    version: 1,
    client_timestamp: e.atMs,
    payload,
  };
}
