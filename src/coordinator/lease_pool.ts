/**
 * Leases of one resource (memory, one GPU's memory, or one GPU's time slices) as pure functions
 * over a JSON-serialisable state: fit checks with guaranteed reservations and borrowing, a
 * priority queue with arrival order and aging, weighted fair share for slices, expiry. No clock,
 * no I/O: `now` is an argument, so every decision can be replayed.
 * @module
 */
import { BusError } from "../errors.ts";
import type { ComponentBudget, LeaseConfig } from "./coordinator_config.ts";

export type PoolKind = "memory" | "gpu_memory" | "gpu_slice";

/** What a pool is configured as (not persisted: it comes from the config at each start). */
export interface PoolSpec {
  /** "memory", "gpu:<device>:memory" or "gpu:<device>:slice". */
  readonly key: string;
  readonly kind: PoolKind;
  /** MB; 1 (one holder) for slices. */
  readonly capacity: number;
  readonly components: Readonly<Record<string, ComponentBudget>>;
  readonly weights: Readonly<Record<string, number>>;
  readonly lease: LeaseConfig;
  readonly defaultSliceMs: number;
  readonly maxSliceMs: number;
}

export interface LeaseRec {
  id: string;
  /** The identity that asked (absent in state written before owners existed: anyone's). */
  owner?: string;
  component: string;
  amount: number;
  priority: number;
  grantedAt: number;
  expiresAt: number;
  ttlMs: number;
}

export interface WaiterRec {
  id: string;
  owner?: string;
  component: string;
  amount: number;
  priority: number;
  ttlMs: number;
  /** Arrival order. */
  seq: number;
  enqueuedAt: number;
  deadline: number;
  /** True when the caller is not blocked on the answer (it survives a restart). */
  detached: boolean;
}

/** Everything persisted for one pool. */
export interface PoolState {
  seq: number;
  /** Fair-share virtual time of the pool (slices). */
  vnow: number;
  /** Fair-share virtual time per component (slices). */
  vtime: Record<string, number>;
  leases: LeaseRec[];
  queue: WaiterRec[];
}

export type LeaseEventState =
  | "granted"
  | "queued"
  | "denied"
  | "released"
  | "expired"
  | "preempted";

/** A lease as clients see it. */
export interface LeaseView {
  readonly leaseId: string;
  readonly resource: string;
  readonly component: string;
  readonly amount: number;
  readonly priority: number;
  readonly grantedAtMs: number;
  readonly expiresAtMs: number;
}

/** Something that happened to a lease or request (WatchLeases, the bus, metrics). */
export interface LeaseEvent {
  readonly state: LeaseEventState;
  readonly lease: LeaseView;
  readonly reason?: string;
  readonly atMs: number;
}

/** A validated Acquire. */
export interface AcquireArgs {
  readonly id: string;
  /** Who may renew and release it (undefined: an in-process caller). */
  readonly owner?: string;
  readonly component: string;
  /** MB, or slice ms (0: the default slice). */
  readonly amount: number;
  readonly priority: number;
  /** 0: the configured default. */
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly detached: boolean;
}

export type AcquireOutcome =
  | { readonly state: "granted"; readonly lease: LeaseView }
  | {
    readonly state: "queued";
    readonly lease: LeaseView;
    readonly position: number;
    readonly estimatedWaitMs: number;
  }
  | { readonly state: "denied"; readonly reason: string; readonly lease: LeaseView };

/** Priority levels (higher is served first); 0 on the wire means normal. */
export const PRIORITY = { low: 1, normal: 2, high: 3, critical: 4 } as const;

export function emptyPool(): PoolState {
  return { seq: 0, vnow: 0, vtime: {}, leases: [], queue: [] };
}

type Fit = "ok" | "never" | "own" | "busy";

interface Usage {
  readonly byComponent: Map<string, number>;
  readonly used: number;
  readonly borrowed: number;
}

/**
 * Asks for a lease. Granted when it fits and nobody waiting ahead of it is blocked; otherwise
 * queued (wait > 0) or denied. Appends what happened to `events`.
 */
export function acquire(
  spec: PoolSpec,
  state: PoolState,
  args: AcquireArgs,
  now: number,
  events: LeaseEvent[],
): AcquireOutcome {
  const held = state.leases.find((l) => l.id === args.id);
  if (held) return { state: "granted", lease: view(spec, checkOwner(held, args.owner, "acquire")) };
  const waiting = state.queue.find((w) => w.id === args.id);
  if (waiting) return queuedOutcome(spec, state, checkOwner(waiting, args.owner, "acquire"), now);

  const amount = spec.kind === "gpu_slice" && args.amount === 0 ? spec.defaultSliceMs : args.amount;
  const ttlMs = spec.kind === "gpu_slice" ? amount : args.ttlMs || spec.lease.defaultTtlMs;
  const w: WaiterRec = {
    id: args.id,
    ...(args.owner === undefined ? {} : { owner: args.owner }),
    component: args.component,
    amount,
    priority: args.priority,
    ttlMs,
    seq: state.seq++,
    enqueuedAt: now,
    deadline: now + args.waitMs,
    detached: args.detached,
  };
  const deny = (reason: string): AcquireOutcome => {
    const lease = waiterView(spec, w);
    events.push({ state: "denied", lease, reason, atMs: now });
    return { state: "denied", reason, lease };
  };
  if (amount <= 0) return deny(`${spec.key}: amount must be at least 1`);
  if (spec.kind === "gpu_slice" && amount > spec.maxSliceMs) {
    return deny(`${spec.key}: a slice is at most ${spec.maxSliceMs} ms: asked ${amount} ms`);
  }
  if (spec.kind !== "gpu_slice" && ttlMs > spec.lease.maxTtlMs) {
    return deny(`${spec.key}: ttl_ms is at most ${spec.lease.maxTtlMs}: asked ${ttlMs}`);
  }
  if (args.waitMs > spec.lease.maxWaitMs) {
    return deny(`${spec.key}: wait_ms is at most ${spec.lease.maxWaitMs}: asked ${args.waitMs}`);
  }
  if (args.owner !== undefined && heldBy(state, args.owner) >= MAX_PER_OWNER) {
    return deny(
      `${spec.key}: you hold or wait for ${MAX_PER_OWNER} leases already; release one first`,
    );
  }
  const usage = usageOf(spec, state);
  if (fit(spec, state, usage, w.component, amount) === "never") {
    const budget = budgetOf(spec, w.component);
    return deny(
      `${spec.key}: ${amount} ${unit(spec)} can never be granted to "${w.component}" ` +
        `(at most ${budget.maxMb} ${unit(spec)})`,
    );
  }
  if (spec.kind === "gpu_slice") joinFairShare(state, w.component);
  state.queue.push(w);
  grantWaiters(spec, state, now, events);
  const granted = state.leases.find((l) => l.id === w.id);
  if (granted) return { state: "granted", lease: view(spec, granted) };
  const blockedReason = busyReason(spec, state, w, now);
  if (args.waitMs === 0) {
    removeWaiter(state, w.id);
    return deny(blockedReason);
  }
  if (state.queue.length > spec.lease.maxQueue) {
    removeWaiter(state, w.id);
    return deny(`${spec.key}: the queue is full (${spec.lease.maxQueue} waiting)`);
  }
  const outcome = queuedOutcome(spec, state, w, now);
  events.push({ state: "queued", lease: outcome.lease, reason: blockedReason, atMs: now });
  return outcome;
}

/** Releases a lease, or withdraws a queued request; false when neither exists. */
export function release(
  spec: PoolSpec,
  state: PoolState,
  id: string,
  now: number,
  events: LeaseEvent[],
  owner?: string,
): boolean {
  const i = state.leases.findIndex((l) => l.id === id);
  if (i >= 0) {
    checkOwner(state.leases[i], owner, "release");
    const [lease] = state.leases.splice(i, 1);
    events.push({ state: "released", lease: view(spec, lease), atMs: now });
    grantWaiters(spec, state, now, events);
    return true;
  }
  const queued = state.queue.find((q) => q.id === id);
  if (queued) checkOwner(queued, owner, "release");
  const w = removeWaiter(state, id);
  if (!w) return false;
  events.push({
    state: "released",
    lease: waiterView(spec, w),
    reason: "withdrawn from the queue",
    atMs: now,
  });
  grantWaiters(spec, state, now, events); // a blocked head may have gone
  return true;
}

/**
 * Extends a granted lease to `now + ttlMs` (0: its original ttl).
 * @throws {BusError} not_found for an unknown or expired lease; over_limit for a slice others
 * wait for; malformed for a ttl above the maximum
 */
export function renew(
  spec: PoolSpec,
  state: PoolState,
  id: string,
  ttlMs: number,
  now: number,
  owner?: string,
): LeaseView {
  const lease = state.leases.find((l) => l.id === id);
  if (!lease || lease.expiresAt <= now) {
    throw new BusError("not_found", `Cannot renew lease "${id}": it expired or was released`);
  }
  checkOwner(lease, owner, "renew");
  const ttl = ttlMs || lease.ttlMs;
  const max = spec.kind === "gpu_slice" ? spec.maxSliceMs : spec.lease.maxTtlMs;
  if (ttl > max) {
    throw new BusError("malformed", `Cannot renew lease "${id}": ttl_ms is at most ${max}`);
  }
  if (spec.kind === "gpu_slice") {
    if (state.queue.length > 0) {
      throw new BusError(
        "over_limit",
        `Cannot renew slice "${id}": ${state.queue.length} others wait for ${spec.key}`,
      );
    }
    state.vtime[lease.component] = (state.vtime[lease.component] ?? state.vnow) +
      ttl / weightOf(spec, lease.component);
  }
  lease.expiresAt = now + ttl;
  return view(spec, lease);
}

/** Ends leases past their expiry and waits past their deadline, then serves the queue. */
export function expire(spec: PoolSpec, state: PoolState, now: number, events: LeaseEvent[]): void {
  if (state.leases.some((l) => l.expiresAt <= now)) {
    const kept: LeaseRec[] = [];
    for (const l of state.leases) {
      if (l.expiresAt > now) kept.push(l);
      else if (spec.kind === "gpu_slice") {
        events.push({ state: "preempted", lease: view(spec, l), reason: "slice ended", atMs: now });
      } else {
        events.push({ state: "expired", lease: view(spec, l), reason: "not renewed", atMs: now });
      }
    }
    state.leases = kept;
  }
  if (state.queue.some((w) => w.deadline <= now)) {
    const kept: WaiterRec[] = [];
    for (const w of state.queue) {
      if (w.deadline > now) kept.push(w);
      else {
        events.push({
          state: "denied",
          lease: waiterView(spec, w),
          reason: `${spec.key}: not granted within ${w.deadline - w.enqueuedAt} ms`,
          atMs: now,
        });
      }
    }
    state.queue = kept;
  }
  grantWaiters(spec, state, now, events);
}

/**
 * After a restart: requests whose callers were blocked are gone with their connections
 * (denied), expired leases are reclaimed.
 */
export function reclaim(spec: PoolSpec, state: PoolState, now: number, events: LeaseEvent[]): void {
  const attached = state.queue.filter((w) => !w.detached);
  state.queue = state.queue.filter((w) => w.detached);
  for (const w of attached) {
    events.push({
      state: "denied",
      lease: waiterView(spec, w),
      reason: "the coordinator restarted while the caller waited",
      atMs: now,
    });
  }
  expire(spec, state, now, events);
}

/** The earliest lease expiry or wait deadline, or null when nothing is pending. */
export function nextDeadline(state: PoolState): number | null {
  let next = Infinity;
  for (const l of state.leases) if (l.expiresAt < next) next = l.expiresAt;
  for (const w of state.queue) if (w.deadline < next) next = w.deadline;
  return next === Infinity ? null : next;
}

/** Per-component use, for status and metrics. */
export interface PoolUsage {
  readonly used: number;
  readonly queued: number;
  readonly components: {
    component: string;
    used: number;
    reserved: number;
    max: number;
    leases: number;
    queued: number;
  }[];
}

export function poolUsage(spec: PoolSpec, state: PoolState): PoolUsage {
  const names = new Set<string>(Object.keys(spec.components));
  for (const l of state.leases) names.add(l.component);
  for (const w of state.queue) names.add(w.component);
  const components = [...names].sort().map((component) => {
    const mine = state.leases.filter((l) => l.component === component);
    const budget = budgetOf(spec, component);
    return {
      component,
      used: spec.kind === "gpu_slice" ? mine.length : sum(mine.map((l) => l.amount)),
      reserved: budget.reservedMb,
      max: budget.maxMb,
      leases: mine.length,
      queued: state.queue.filter((w) => w.component === component).length,
    };
  });
  const used = spec.kind === "gpu_slice"
    ? state.leases.length
    : sum(state.leases.map((l) => l.amount));
  return { used, queued: state.queue.length, components };
}

/** A lease's view. */
export function view(spec: PoolSpec, l: LeaseRec): LeaseView {
  return {
    leaseId: l.id,
    resource: spec.key,
    component: l.component,
    amount: l.amount,
    priority: l.priority,
    grantedAtMs: l.grantedAt,
    expiresAtMs: l.expiresAt,
  };
}

/** Waiters in service order at `now`. */
export function serviceOrder(spec: PoolSpec, state: PoolState, now: number): WaiterRec[] {
  const level = (w: WaiterRec) =>
    w.priority + Math.floor((now - w.enqueuedAt) / spec.lease.agingMs);
  const byPriority = (a: WaiterRec, b: WaiterRec) => level(b) - level(a) || a.seq - b.seq;
  if (spec.kind !== "gpu_slice") return [...state.queue].sort(byPriority);
  const vt = (w: WaiterRec) => state.vtime[w.component] ?? state.vnow;
  return [...state.queue].sort((a, b) => vt(a) - vt(b) || byPriority(a, b));
}

function waiterView(spec: PoolSpec, w: WaiterRec): LeaseView {
  return {
    leaseId: w.id,
    resource: spec.key,
    component: w.component,
    amount: w.amount,
    priority: w.priority,
    grantedAtMs: 0,
    expiresAtMs: 0,
  };
}

function queuedOutcome(spec: PoolSpec, state: PoolState, w: WaiterRec, now: number) {
  const position = serviceOrder(spec, state, now).findIndex((x) => x.id === w.id) + 1;
  return {
    state: "queued" as const,
    lease: waiterView(spec, w),
    position,
    estimatedWaitMs: estimateWaitMs(spec, state, w, now),
  };
}

/** Serves the queue in order; a waiter blocked only by its own component's cap is skipped. */
function grantWaiters(spec: PoolSpec, state: PoolState, now: number, events: LeaseEvent[]): void {
  for (;;) {
    if (state.queue.length === 0) return;
    const usage = usageOf(spec, state);
    let granted: WaiterRec | null = null;
    for (const w of serviceOrder(spec, state, now)) {
      const f = fit(spec, state, usage, w.component, w.amount);
      if (f === "ok") {
        granted = w;
        break;
      }
      if (f === "busy") return; // head of line: nobody behind it overtakes
    }
    if (!granted) return;
    removeWaiter(state, granted.id);
    const lease: LeaseRec = {
      id: granted.id,
      ...(granted.owner === undefined ? {} : { owner: granted.owner }),
      component: granted.component,
      amount: granted.amount,
      priority: granted.priority,
      grantedAt: now,
      expiresAt: now + granted.ttlMs,
      ttlMs: granted.ttlMs,
    };
    state.leases.push(lease);
    if (spec.kind === "gpu_slice") chargeFairShare(spec, state, granted.component, granted.amount);
    events.push({ state: "granted", lease: view(spec, lease), atMs: now });
  }
}

// Start-time fair queueing: a component that was idle starts at the pool's virtual time, so
// idling earns no credit; each grant advances the component by slice length / weight.
function joinFairShare(state: PoolState, component: string): void {
  const active = state.leases.some((l) => l.component === component) ||
    state.queue.some((w) => w.component === component);
  if (!active) state.vtime[component] = Math.max(state.vtime[component] ?? 0, state.vnow);
}

function chargeFairShare(spec: PoolSpec, state: PoolState, component: string, ms: number): void {
  const start = state.vtime[component] ?? state.vnow;
  state.vnow = Math.max(state.vnow, start);
  state.vtime[component] = start + ms / weightOf(spec, component);
  // Idle components at or behind the pool's virtual time carry nothing worth keeping.
  for (const [name, vt] of Object.entries(state.vtime)) {
    if (vt <= state.vnow && name !== component) {
      const active = state.queue.some((w) => w.component === name);
      if (!active) delete state.vtime[name];
    }
  }
}

function weightOf(spec: PoolSpec, component: string): number {
  return spec.weights[component] ?? 1;
}

function reservedTotal(spec: PoolSpec): number {
  let total = 0;
  for (const b of Object.values(spec.components)) total += b.reservedMb;
  return total;
}

function budgetOf(spec: PoolSpec, component: string): ComponentBudget {
  const shared = spec.capacity - reservedTotal(spec);
  const b = spec.components[component];
  if (!b) return { reservedMb: 0, maxMb: shared };
  return { reservedMb: b.reservedMb, maxMb: Math.min(b.maxMb, b.reservedMb + shared) };
}

function usageOf(spec: PoolSpec, state: PoolState): Usage {
  const byComponent = new Map<string, number>();
  let used = 0;
  for (const l of state.leases) {
    byComponent.set(l.component, (byComponent.get(l.component) ?? 0) + l.amount);
    used += l.amount;
  }
  let borrowed = 0;
  for (const [c, u] of byComponent) {
    borrowed += Math.max(0, u - (spec.components[c]?.reservedMb ?? 0));
  }
  return { byComponent, used, borrowed };
}

function fit(spec: PoolSpec, state: PoolState, u: Usage, component: string, amount: number): Fit {
  if (spec.kind === "gpu_slice") return state.leases.length === 0 ? "ok" : "busy";
  const budget = budgetOf(spec, component);
  if (amount > budget.maxMb) return "never";
  if (state.leases.length >= spec.lease.maxLeases) return "busy";
  const mine = u.byComponent.get(component) ?? 0;
  if (mine + amount > budget.maxMb) return "own";
  const shared = spec.capacity - reservedTotal(spec);
  const r = budget.reservedMb;
  const more = Math.max(0, mine + amount - r) - Math.max(0, mine - r);
  return u.borrowed + more <= shared ? "ok" : "busy";
}

function busyReason(spec: PoolSpec, state: PoolState, w: WaiterRec, now: number): string {
  if (spec.kind === "gpu_slice") {
    const holder = state.leases[0];
    return holder
      ? `${spec.key}: held by "${holder.component}" for ${holder.expiresAt - now} ms more`
      : `${spec.key}: ${state.queue.length - 1} requests are ahead`;
  }
  const u = usageOf(spec, state);
  const budget = budgetOf(spec, w.component);
  const mine = u.byComponent.get(w.component) ?? 0;
  const shared = spec.capacity - reservedTotal(spec);
  const borrowedOthers = u.borrowed - Math.max(0, mine - budget.reservedMb);
  const available = Math.max(
    0,
    Math.min(budget.maxMb - mine, budget.reservedMb + shared - borrowedOthers - mine),
  );
  if (state.leases.length >= spec.lease.maxLeases) {
    return `${spec.key}: ${spec.lease.maxLeases} leases are held (the most per resource)`;
  }
  if (available >= w.amount) return `${spec.key}: requests ahead of this one are waiting`;
  return `${spec.key}: ${w.amount} ${unit(spec)} asked, ${available} available to ` +
    `"${w.component}" now (${u.used} of ${spec.capacity} in use)`;
}

/** Simulates expiries in order until `w` would be granted (a guess: releases come sooner). */
function estimateWaitMs(spec: PoolSpec, state: PoolState, w: WaiterRec, now: number): number {
  const sim: PoolState = structuredClone(state);
  const sink: LeaseEvent[] = [];
  let t = now;
  for (let i = 0; i < 1000; i++) {
    if (sim.leases.some((l) => l.id === w.id)) return t - now;
    let next = Infinity;
    for (const l of sim.leases) if (l.expiresAt < next) next = l.expiresAt;
    if (next === Infinity) break;
    t = Math.max(t, next);
    sim.queue = sim.queue.filter((x) => x.id === w.id || x.deadline > t);
    sim.leases = sim.leases.filter((l) => l.expiresAt > t);
    grantWaiters(spec, sim, t, sink);
    sink.length = 0;
  }
  return Math.max(0, w.deadline - now);
}

/** Most leases one identity may hold or wait for in one pool (one client cannot take all). */
export const MAX_PER_OWNER = 32;

function heldBy(state: PoolState, owner: string): number {
  return state.leases.filter((l) => l.owner === owner).length +
    state.queue.filter((w) => w.owner === owner).length;
}

/** Leases belong to the identity that asked; another identity is refused. */
function checkOwner<T extends { id: string; owner?: string }>(
  rec: T,
  owner: string | undefined,
  what: string,
): T {
  if (owner === undefined || rec.owner === undefined || rec.owner === owner) return rec;
  throw new BusError(
    "permission_denied",
    `Cannot ${what} lease "${rec.id}": it belongs to another identity`,
  );
}

function removeWaiter(state: PoolState, id: string): WaiterRec | undefined {
  const i = state.queue.findIndex((w) => w.id === id);
  return i < 0 ? undefined : state.queue.splice(i, 1)[0];
}

function unit(spec: PoolSpec): string {
  return spec.kind === "gpu_slice" ? "ms" : "MB";
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
