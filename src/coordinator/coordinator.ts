/**
 * The Resource Coordinator: pools of leases (memory, GPU memory, GPU time slices) and rate
 * limiters, each one key in the state store written with group commit, plus the timers that
 * expire leases and the fan-out of what happened (WatchLeases, the bus, metrics). Every answer is
 * given after the decision is durable. Decisions themselves live in lease_pool.ts and
 * rate_limiter.ts.
 * @module
 */
import { BusError } from "../errors.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import type { CoordinatorConfig, LimiterConfig } from "./coordinator_config.ts";
import { KeyedState } from "./_keyed_state.ts";
import {
  acquire,
  type AcquireOutcome,
  emptyPool,
  expire,
  type LeaseEvent,
  type LeaseView,
  nextDeadline,
  type PoolSpec,
  type PoolState,
  poolUsage,
  PRIORITY,
  reclaim,
  release,
  renew,
} from "./lease_pool.ts";
import {
  type BucketView,
  bucketViews,
  commit,
  type LimiterState,
  newLimiterState,
  parseReservationId,
  reserve,
  type ReserveOutcome,
  syncBuckets,
} from "./rate_limiter.ts";
import { Wakeup } from "../wakeup.ts";
import type { StateStore } from "../log/mod.ts";

/** An Acquire as a client sends it. */
export interface AcquireRequest {
  readonly resource: string;
  readonly amount: number;
  readonly component: string;
  readonly priority?: number;
  readonly ttlMs?: number;
  readonly waitMs?: number;
  readonly returnQueued?: boolean;
  readonly requestId?: string;
  /** The caller's identity: only it may renew and release the lease. */
  readonly owner?: string;
}

export interface ReserveRequest {
  readonly limiter: string;
  readonly requests?: number;
  readonly estimatedInputTokens?: number;
  readonly estimatedOutputTokens?: number;
  readonly component?: string;
  /** The caller's identity: only it may commit the reservation. */
  readonly owner?: string;
}

/** What the bus and metrics hear about (besides lease events). */
export interface QuotaEvent {
  readonly state: "quota_exhausted";
  readonly limiter: string;
  readonly component: string;
  readonly retryAfterMs: number;
  readonly reason: string;
  readonly atMs: number;
}

export type CoordinatorEvent = LeaseEvent | QuotaEvent;

/** Counts for metrics; gauges read {@linkcode Coordinator.status}. */
export interface CoordinatorObserver {
  leaseEvents(events: readonly LeaseEvent[]): void;
  reserved(limiter: string, outcome: ReserveOutcome): void;
}

export interface CoordinatorOptions {
  readonly clock?: Clock;
  readonly observer?: CoordinatorObserver;
  /** Receives every event after it is durable (the bus publisher). */
  readonly onEvents?: (events: readonly CoordinatorEvent[]) => void;
}

export interface ResourceStatus {
  readonly resource: string;
  readonly kind: PoolSpec["kind"];
  readonly capacity: number;
  readonly used: number;
  readonly queued: number;
  readonly components: ReturnType<typeof poolUsage>["components"];
}

export interface LimiterStatus {
  readonly limiter: string;
  readonly buckets: BucketView[];
  readonly outstandingReservations: number;
}

export interface CoordinatorStatus {
  readonly resources: ResourceStatus[];
  readonly limiters: LimiterStatus[];
}

export interface WatchFilter {
  readonly component?: string;
  readonly resources?: readonly string[];
}

interface Pool {
  readonly spec: PoolSpec;
  readonly state: KeyedState<PoolState>;
  timer: TimerHandle | null;
  timerAt: number;
}

interface Limiter {
  readonly spec: LimiterConfig;
  readonly state: KeyedState<LimiterState>;
}

interface Watcher {
  readonly filter: WatchFilter;
  push(event: LeaseEvent): void;
  /** Ends the stream after what is queued. */
  end(): void;
}

/** Most events a slow WatchLeases stream may fall behind by before it is ended. */
const MAX_WATCH_BACKLOG = 10_000;

export class Coordinator {
  readonly #config: CoordinatorConfig;
  readonly #clock: Clock;
  readonly #observer?: CoordinatorObserver;
  readonly #onEvents?: (events: readonly CoordinatorEvent[]) => void;
  readonly #pools = new Map<string, Pool>();
  readonly #limiters = new Map<string, Limiter>();
  /** Blocked Acquire calls by lease id: settled by the grant or denial event. */
  readonly #blocked = new Map<string, (outcome: AcquireOutcome) => void>();
  readonly #watchers = new Set<Watcher>();
  #closed = false;

  private constructor(config: CoordinatorConfig, options: CoordinatorOptions) {
    this.#config = config;
    this.#clock = options.clock ?? systemClock;
    this.#observer = options.observer;
    this.#onEvents = options.onEvents;
  }

  /** Loads every pool and limiter, reclaims expired leases and starts the expiry timers. */
  static async open(
    store: StateStore,
    config: CoordinatorConfig,
    options: CoordinatorOptions = {},
  ): Promise<Coordinator> {
    const c = new Coordinator(config, options);
    for (const spec of poolSpecs(config)) {
      const state = await KeyedState.load(store, `pool/${spec.key}`, emptyPool);
      const pool: Pool = { spec, state, timer: null, timerAt: Infinity };
      c.#pools.set(spec.key, pool);
      await c.#runPool(pool, (draft, events) => reclaim(spec, draft, c.#clock.now(), events));
    }
    for (const spec of config.limiters) {
      const now = c.#clock.now();
      const state = await KeyedState.load(
        store,
        `limiter/${spec.name}`,
        () => newLimiterState(spec, now),
      );
      c.#limiters.set(spec.name, { spec, state });
      await state.run((draft) => syncBuckets(spec, draft, c.#clock.now()));
    }
    return c;
  }

  /** Canonical resource keys, in configuration order. */
  get resources(): string[] {
    return [...this.#pools.keys()];
  }

  /**
   * Asks for a lease. With `waitMs` and not `returnQueued`, resolves when granted or when the
   * wait ends (denied); `signal` withdraws a blocked request.
   */
  async acquire(req: AcquireRequest, signal?: AbortSignal): Promise<AcquireOutcome> {
    const pool = this.#pool(req.resource);
    const component = req.component.trim();
    if (component === "" || component.length > 128) {
      throw new BusError("malformed", "Cannot acquire: component must be 1 to 128 characters");
    }
    const id = req.requestId || crypto.randomUUID();
    if (id.length > 128) {
      throw new BusError("malformed", "Cannot acquire: request_id is longer than 128 characters");
    }
    const waitMs = req.waitMs ?? 0;
    const detached = waitMs > 0 && (req.returnQueued ?? false);
    const args = {
      id,
      component,
      amount: req.amount,
      priority: clampPriority(req.priority ?? 0),
      ttlMs: req.ttlMs ?? 0,
      waitMs,
      detached,
      owner: req.owner,
    };
    let blocked: Promise<AcquireOutcome> | null = null;
    if (waitMs > 0 && !detached && !this.#blocked.has(id)) {
      const { promise, resolve } = Promise.withResolvers<AcquireOutcome>();
      this.#blocked.set(id, resolve);
      blocked = promise;
    }
    let outcome: AcquireOutcome;
    try {
      outcome = await this.#runPool(
        pool,
        (draft, events) => acquire(pool.spec, draft, args, this.#clock.now(), events),
      );
    } catch (err) {
      if (blocked) this.#blocked.delete(id);
      throw err;
    }
    if (outcome.state !== "queued" || !blocked) {
      if (blocked) this.#blocked.delete(id);
      return outcome;
    }
    const onAbort = () => this.release(id, req.owner).catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await blocked;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Extends a granted lease by `ttlMs` from now (0: its original ttl). */
  renew(leaseId: string, ttlMs = 0, owner?: string): Promise<LeaseView> {
    const pool = this.#poolHolding(leaseId);
    if (!pool) {
      return Promise.reject(
        new BusError("not_found", `Cannot renew lease "${leaseId}": it expired or was released`),
      );
    }
    return this.#runPool(
      pool,
      (draft) => renew(pool.spec, draft, leaseId, ttlMs, this.#clock.now(), owner),
    );
  }

  /** Gives back a lease or withdraws a queued request; false when neither exists. */
  async release(leaseId: string, owner?: string): Promise<boolean> {
    const pool = this.#poolHolding(leaseId);
    if (!pool) return false;
    return await this.#runPool(
      pool,
      (draft, events) => release(pool.spec, draft, leaseId, this.#clock.now(), events, owner),
    );
  }

  /** Takes requests and estimated tokens from a limiter, or says when to retry. */
  async reserve(req: ReserveRequest): Promise<ReserveOutcome> {
    const limiter = this.#limiter(req.limiter);
    const args = {
      requests: req.requests || 1,
      inputTokens: req.estimatedInputTokens ?? 0,
      outputTokens: req.estimatedOutputTokens ?? 0,
      owner: req.owner,
    };
    const outcome = await limiter.state.run((draft) =>
      reserve(limiter.spec, draft, args, this.#clock.now(), this.#config)
    );
    this.#observer?.reserved(limiter.spec.name, outcome);
    if (outcome.exhaustedNow) {
      this.#onEvents?.([{
        state: "quota_exhausted",
        limiter: limiter.spec.name,
        component: req.component ?? "",
        retryAfterMs: outcome.retryAfterMs,
        reason: outcome.reason,
        atMs: this.#clock.now(),
      }]);
    }
    return outcome;
  }

  /** Corrects a reservation's estimate with actual token counts. */
  async commit(
    reservationId: string,
    actual: { inputTokens: number; outputTokens: number },
    owner?: string,
  ): Promise<{ corrected: boolean; buckets: BucketView[] }> {
    const { limiter: name, seq, secret } = parseReservationId(reservationId);
    const limiter = this.#limiter(name);
    return await limiter.state.run((draft) => {
      const now = this.#clock.now();
      const corrected = commit(limiter.spec, draft, { seq, secret, owner }, actual, now);
      return { corrected, buckets: bucketViews(limiter.spec, draft, now) };
    });
  }

  /** Capacity, use and queues as of the last durable write. */
  status(): CoordinatorStatus {
    const now = this.#clock.now();
    const resources = [...this.#pools.values()].map(({ spec, state }) => {
      const usage = poolUsage(spec, state.current);
      return {
        resource: spec.key,
        kind: spec.kind,
        capacity: spec.capacity,
        used: usage.used,
        queued: usage.queued,
        components: usage.components,
      };
    });
    const limiters = [...this.#limiters.values()].map(({ spec, state }) => {
      const copy = structuredClone(state.current);
      return {
        limiter: spec.name,
        buckets: bucketViews(spec, copy, now),
        outstandingReservations: copy.reservations.filter((r) => r[3] > now).length,
      };
    });
    return { resources, limiters };
  }

  /** Lease events as they happen, until `signal` aborts or the coordinator closes. */
  async *watch(filter: WatchFilter = {}, signal?: AbortSignal): AsyncGenerator<LeaseEvent> {
    const resources = filter.resources?.map((r) => this.#pool(r).spec.key);
    const queue: LeaseEvent[] = [];
    const wakeup = new Wakeup();
    let overflow = false;
    const watcher: Watcher = {
      filter: { component: filter.component, resources },
      push: (event) => {
        if (queue.length >= MAX_WATCH_BACKLOG) overflow = true;
        else queue.push(event);
        wakeup.notify();
      },
      end: () => wakeup.notify(),
    };
    const onAbort = () => wakeup.notify();
    signal?.addEventListener("abort", onAbort);
    this.#watchers.add(watcher);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (overflow) {
          throw new BusError("over_limit", "WatchLeases fell too far behind: reconnect");
        }
        if (this.#closed || signal?.aborted) return;
        await wakeup.wait();
      }
    } finally {
      this.#watchers.delete(watcher);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Finishes pending writes, stops timers, answers blocked callers, ends watch streams. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const pool of this.#pools.values()) {
      if (pool.timer !== null) this.#clock.clearTimer(pool.timer);
      pool.timer = null;
    }
    await Promise.all([
      ...[...this.#pools.values()].map((p) => p.state.settled()),
      ...[...this.#limiters.values()].map((l) => l.state.settled()),
    ]);
    for (const [id, resolve] of this.#blocked) {
      resolve({
        state: "denied",
        reason: "the coordinator is shutting down",
        lease: {
          leaseId: id,
          resource: "",
          component: "",
          amount: 0,
          priority: 0,
          grantedAtMs: 0,
          expiresAtMs: 0,
        },
      });
    }
    this.#blocked.clear();
    for (const w of this.#watchers) w.end();
  }

  async #runPool<R>(pool: Pool, fn: (draft: PoolState, events: LeaseEvent[]) => R): Promise<R> {
    if (this.#closed) throw new BusError("not_ready", "The coordinator is shutting down");
    const { result, events } = await pool.state.run((draft) => {
      const events: LeaseEvent[] = [];
      return { result: fn(draft, events), events };
    });
    this.#schedule(pool);
    if (events.length > 0) this.#dispatch(events);
    return result;
  }

  #dispatch(events: LeaseEvent[]): void {
    for (const event of events) {
      if (event.state === "granted" || event.state === "denied") {
        const resolve = this.#blocked.get(event.lease.leaseId);
        if (resolve) {
          this.#blocked.delete(event.lease.leaseId);
          resolve(
            event.state === "granted"
              ? { state: "granted", lease: event.lease }
              : { state: "denied", reason: event.reason ?? "", lease: event.lease },
          );
        }
      }
      for (const w of this.#watchers) {
        if (w.filter.component && w.filter.component !== event.lease.component) continue;
        if (w.filter.resources?.length && !w.filter.resources.includes(event.lease.resource)) {
          continue;
        }
        w.push(event);
      }
    }
    this.#observer?.leaseEvents(events);
    this.#onEvents?.(events);
  }

  #schedule(pool: Pool): void {
    if (this.#closed) return;
    const next = nextDeadline(pool.state.current);
    if (next === pool.timerAt) return;
    if (pool.timer !== null) this.#clock.clearTimer(pool.timer);
    pool.timer = null;
    pool.timerAt = next ?? Infinity;
    if (next === null) return;
    pool.timer = this.#clock.setTimer(() => {
      pool.timer = null;
      pool.timerAt = Infinity;
      this.#runPool(pool, (draft, events) => expire(pool.spec, draft, this.#clock.now(), events))
        .catch(() => {/* closed, or the store failed: the next operation retries */});
    }, next - this.#clock.now());
  }

  #pool(resource: string): Pool {
    const key = this.#resolve(resource);
    const pool = key ? this.#pools.get(key) : undefined;
    if (!pool) {
      throw new BusError(
        "not_found",
        `Unknown resource "${resource}": one of ${[...this.#pools.keys()].join(", ")}` +
          (this.#config.gpu.devices.length ? ", gpu_memory, gpu_slice" : ""),
      );
    }
    return pool;
  }

  #resolve(resource: string): string | undefined {
    const first = this.#config.gpu.devices[0]?.name;
    if (resource === "gpu_memory" && first !== undefined) return `gpu:${first}:memory`;
    if (resource === "gpu_slice" && first !== undefined) return `gpu:${first}:slice`;
    return resource;
  }

  #poolHolding(id: string): Pool | undefined {
    for (const pool of this.#pools.values()) {
      const s = pool.state.current;
      if (s.leases.some((l) => l.id === id) || s.queue.some((w) => w.id === id)) return pool;
    }
    return undefined;
  }

  #limiter(name: string): Limiter {
    const limiter = this.#limiters.get(name);
    if (!limiter) {
      throw new BusError(
        "not_found",
        `Unknown limiter "${name}": one of ${[...this.#limiters.keys()].join(", ") || "(none)"}`,
      );
    }
    return limiter;
  }
}

/** The pools a configuration describes: memory, then memory and slices of each GPU. */
export function poolSpecs(config: CoordinatorConfig): PoolSpec[] {
  const common = {
    lease: config.leases,
    defaultSliceMs: config.gpu.defaultSliceMs,
    maxSliceMs: config.gpu.maxSliceMs,
    weights: config.gpu.weights,
  };
  const specs: PoolSpec[] = [{
    key: "memory",
    kind: "memory",
    capacity: config.memory.totalMb,
    components: config.memory.components,
    ...common,
  }];
  for (const d of config.gpu.devices) {
    specs.push({
      key: `gpu:${d.name}:memory`,
      kind: "gpu_memory",
      capacity: d.memoryMb,
      components: config.gpu.components,
      ...common,
    });
    specs.push({
      key: `gpu:${d.name}:slice`,
      kind: "gpu_slice",
      capacity: 1,
      components: {},
      ...common,
    });
  }
  return specs;
}

function clampPriority(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 1000) {
    throw new BusError("malformed", `Cannot acquire: priority must be an integer from 0 to 1000`);
  }
  return p === 0 ? PRIORITY.normal : p;
}
