/**
 * The ResourceCoordinator Connect service (proto/jimbot/coordinator/v1/coordinator.proto): thin
 * translations between protobuf messages and {@linkcode Coordinator}. Errors are BusErrors; the
 * rpc/ interceptor maps them to Connect codes.
 * @module
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { IDENTITY_KEY } from "../auth/mod.ts";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type AcquireResponseSchema,
  type LeaseSchema,
  LeaseState,
  ResourceCoordinator,
  type WatchLeasesResponseSchema,
} from "../gen/jimbot/coordinator/v1/coordinator_pb.ts";
import type { Coordinator } from "./coordinator.ts";
import type { AcquireOutcome, LeaseEvent, LeaseEventState, LeaseView } from "./lease_pool.ts";
import type { BucketView } from "./rate_limiter.ts";

const STATE: Readonly<Record<LeaseEventState, LeaseState>> = {
  granted: LeaseState.GRANTED,
  queued: LeaseState.QUEUED,
  denied: LeaseState.DENIED,
  released: LeaseState.RELEASED,
  expired: LeaseState.EXPIRED,
  preempted: LeaseState.PREEMPTED,
};

/** Adds the ResourceCoordinator service to `router`. */
export function registerCoordinator(router: ConnectRouter, coordinator: Coordinator): void {
  router.service(ResourceCoordinator, {
    async acquire(req, ctx: HandlerContext) {
      const outcome = await coordinator.acquire({
        resource: req.resource,
        amount: req.amount,
        component: req.component,
        priority: req.priority,
        ttlMs: req.ttlMs,
        waitMs: req.waitMs,
        returnQueued: req.returnQueued,
        requestId: req.requestId,
        owner: owner(ctx),
      }, ctx.signal);
      return acquireResponse(outcome);
    },
    async renew(req, ctx) {
      return { lease: lease(await coordinator.renew(req.leaseId, req.ttlMs, owner(ctx))) };
    },
    async release(req, ctx) {
      return { released: await coordinator.release(req.leaseId, owner(ctx)) };
    },
    async *watchLeases(req, ctx: HandlerContext) {
      const filter = { component: req.component || undefined, resources: req.resources };
      for await (const event of coordinator.watch(filter, ctx.signal)) {
        yield watchResponse(event);
      }
    },
    async reserve(req, ctx) {
      const r = await coordinator.reserve({
        owner: owner(ctx),
        limiter: req.limiter,
        requests: req.requests,
        estimatedInputTokens: req.estimatedInputTokens,
        estimatedOutputTokens: req.estimatedOutputTokens,
        component: req.component,
      });
      return {
        allowed: r.allowed,
        reservationId: r.reservationId,
        retryAfterMs: uint32(r.retryAfterMs),
        reason: r.reason,
        buckets: r.buckets.map(bucket),
      };
    },
    async commit(req, ctx) {
      const r = await coordinator.commit(req.reservationId, {
        inputTokens: req.actualInputTokens,
        outputTokens: req.actualOutputTokens,
      }, owner(ctx));
      return { corrected: r.corrected, buckets: r.buckets.map(bucket) };
    },
    getStatus() {
      const s = coordinator.status();
      return {
        resources: s.resources.map((r) => ({
          resource: r.resource,
          kind: r.kind,
          capacity: r.capacity,
          used: r.used,
          queued: r.queued,
          components: r.components,
        })),
        limiters: s.limiters.map((l) => ({
          limiter: l.limiter,
          buckets: l.buckets.map(bucket),
          outstandingReservations: l.outstandingReservations,
        })),
      };
    },
  });
}

/** A computed value for a uint32 field: a larger one would fail the whole answer (INTERNAL). */
function uint32(v: number): number {
  return Math.min(Math.max(0, Math.ceil(v)), 0xffff_ffff);
}

/** The identity the request guard gave this call: it owns what the call creates. */
function owner(ctx: HandlerContext): string {
  return ctx.values.get(IDENTITY_KEY).name;
}

/** {@linkcode registerCoordinator} as a registration for rpc/'s list of services. */
export function coordinatorService(coordinator: Coordinator): (router: ConnectRouter) => void {
  return (router) => registerCoordinator(router, coordinator);
}

function acquireResponse(o: AcquireOutcome): MessageInitShape<typeof AcquireResponseSchema> {
  switch (o.state) {
    case "granted":
      return { state: LeaseState.GRANTED, lease: lease(o.lease) };
    case "queued":
      return {
        state: LeaseState.QUEUED,
        lease: lease(o.lease),
        position: uint32(o.position),
        estimatedWaitMs: uint32(o.estimatedWaitMs),
      };
    case "denied":
      return { state: LeaseState.DENIED, lease: lease(o.lease), reason: o.reason };
  }
}

function watchResponse(e: LeaseEvent): MessageInitShape<typeof WatchLeasesResponseSchema> {
  return { state: STATE[e.state], lease: lease(e.lease), reason: e.reason ?? "", atMs: e.atMs };
}

function lease(l: LeaseView): MessageInitShape<typeof LeaseSchema> {
  return {
    leaseId: l.leaseId,
    resource: l.resource,
    component: l.component,
    amount: l.amount,
    priority: l.priority,
    grantedAtMs: l.grantedAtMs,
    expiresAtMs: l.expiresAtMs,
  };
}

function bucket(b: BucketView) {
  return {
    name: b.name,
    remaining: b.remaining,
    capacity: b.capacity,
    refillAmount: b.refillAmount,
    periodMs: b.periodMs,
  };
}
