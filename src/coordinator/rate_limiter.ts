/**
 * One named rate limiter as pure functions over a JSON-serialisable state: a set of token
 * buckets (requests per minute, requests per hour, input and output tokens per minute) taken
 * together or not at all, and outstanding reservations whose token estimates a Commit corrects.
 * @module
 */
import { BusError } from "../errors.ts";
import type { LimiterConfig } from "./coordinator_config.ts";
import {
  type BucketLevel,
  type BucketSpec,
  fullBucket,
  refill,
  take,
  tokens,
  waitMs,
} from "./token_bucket.ts";

/**
 * [reservation seq, estimated input, estimated output, expires at (epoch ms), secret, owner];
 * secret and owner are absent in state written before they existed.
 */
type Reservation = [number, number, number, number, string?, string?];

/** Everything persisted for one limiter. */
export interface LimiterState {
  seq: number;
  levels: Record<string, BucketLevel>;
  reservations: Reservation[];
  /** The last Reserve was refused (a change to true is a "quota exhausted" event). */
  exhausted: boolean;
}

export interface ReserveArgs {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Only this identity may commit the reservation (undefined: an in-process caller). */
  readonly owner?: string;
}

/** Which reservation a Commit names, and who sends it. */
export interface CommitKey {
  readonly seq: number;
  readonly secret: string;
  readonly owner?: string;
}

export interface BucketView {
  readonly name: string;
  readonly remaining: number;
  readonly capacity: number;
  readonly refillAmount: number;
  readonly periodMs: number;
}

export interface ReserveOutcome {
  readonly allowed: boolean;
  readonly reservationId: string;
  /** Not allowed: ms until the same Reserve would be; 0 when it never can be. */
  readonly retryAfterMs: number;
  readonly reason: string;
  readonly buckets: BucketView[];
  /** True when this refusal ends a run of allowed reservations. */
  readonly exhaustedNow: boolean;
}

export interface LimiterLimits {
  readonly reservationTtlMs: number;
  readonly maxReservations: number;
}

export function newLimiterState(spec: LimiterConfig, now: number): LimiterState {
  const state: LimiterState = { seq: 0, levels: {}, reservations: [], exhausted: false };
  syncBuckets(spec, state, now);
  return state;
}

/** Adds buckets the config gained (full) and drops the ones it lost. */
export function syncBuckets(spec: LimiterConfig, state: LimiterState, now: number): void {
  for (const b of spec.buckets) state.levels[b.name] ??= fullBucket(b, now);
  for (const name of Object.keys(state.levels)) {
    if (!spec.buckets.some((b) => b.name === name)) delete state.levels[name];
  }
}

/** Takes from every bucket, or from none and says when to retry. */
export function reserve(
  spec: LimiterConfig,
  state: LimiterState,
  args: ReserveArgs,
  now: number,
  limits: LimiterLimits,
): ReserveOutcome {
  let retryAfterMs = 0;
  let reason = "";
  for (const b of spec.buckets) {
    const level = state.levels[b.name];
    refill(b, level, now);
    const need = needOf(b, args);
    if (need === 0) continue;
    const wait = waitMs(b, level, need);
    if (wait === Infinity) {
      return refuse(spec, state, `${spec.name}: ${need} ${b.name} asked, at most ${b.capacity}`, 0);
    }
    if (wait > retryAfterMs) {
      retryAfterMs = wait;
      reason = `${spec.name}: ${b.name} exhausted (${floorTokens(b, level)} of ${b.capacity} ` +
        `left, +${b.amount} per ${b.periodMs / 1000} s)`;
    }
  }
  if (retryAfterMs > 0) return refuse(spec, state, reason, retryAfterMs);
  for (const b of spec.buckets) take(b, state.levels[b.name], needOf(b, args));
  const seq = ++state.seq;
  // The random part makes ids unguessable: a sequence number alone could be committed by anyone.
  const secret = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  if (spec.tracksTokens) {
    state.reservations = state.reservations.filter((r) => r[3] > now);
    state.reservations.push([
      seq,
      args.inputTokens,
      args.outputTokens,
      now + limits.reservationTtlMs,
      secret,
      args.owner,
    ]);
    if (state.reservations.length > limits.maxReservations) state.reservations.shift();
  }
  state.exhausted = false;
  return {
    allowed: true,
    reservationId: `${spec.name}:${seq}:${secret}`,
    retryAfterMs: 0,
    reason: "",
    buckets: bucketViews(spec, state),
    exhaustedNow: false,
  };
}

/**
 * Replaces a reservation's estimate with the actual token counts: more is taken (a bucket may go
 * below zero, by at most its capacity), less is given back. False when the reservation is
 * unknown, expired or committed.
 * @throws {BusError} permission_denied for another identity's reservation; malformed for a
 * commit over its estimate by more than the bucket's capacity
 */
export function commit(
  spec: LimiterConfig,
  state: LimiterState,
  key: CommitKey,
  actual: { inputTokens: number; outputTokens: number },
  now: number,
): boolean {
  const i = state.reservations.findIndex((r) =>
    r[0] === key.seq && r[3] > now && (r[4] ?? "") === key.secret
  );
  if (i < 0) return false;
  const [, estIn, estOut, , , owner] = state.reservations[i];
  if (key.owner !== undefined && owner !== undefined && owner !== key.owner) {
    throw new BusError("permission_denied", "Cannot commit: the reservation is another identity's");
  }
  for (const b of spec.buckets) {
    const extra = b.name === "input_tokens"
      ? actual.inputTokens - estIn
      : b.name === "output_tokens"
      ? actual.outputTokens - estOut
      : 0;
    if (extra > b.capacity) {
      throw new BusError(
        "malformed",
        `Cannot commit: ${b.name} exceeds the reservation's estimate by ${extra}, more than ` +
          `the bucket holds (${b.capacity}); reserve closer to what you will use`,
      );
    }
  }
  state.reservations.splice(i, 1);
  for (const b of spec.buckets) {
    const level = state.levels[b.name];
    refill(b, level, now);
    if (b.name === "input_tokens") take(b, level, actual.inputTokens - estIn);
    if (b.name === "output_tokens") take(b, level, actual.outputTokens - estOut);
  }
  return true;
}

/** Levels as of `now` (refilled in place, which changes nothing observable). */
export function bucketViews(spec: LimiterConfig, state: LimiterState, now?: number): BucketView[] {
  return spec.buckets.map((b) => {
    const level = state.levels[b.name];
    if (now !== undefined) refill(b, level, now);
    return {
      name: b.name,
      remaining: tokens(b, level),
      capacity: b.capacity,
      refillAmount: b.amount,
      periodMs: b.periodMs,
    };
  });
}

/** Splits "claude:17:3f9c…" into the limiter name, sequence number and secret. */
export function parseReservationId(
  id: string,
): { limiter: string; seq: number; secret: string } {
  const m = /^(.+):(\d{1,15}):([0-9a-f]{16})$/.exec(id);
  const seq = Number(m?.[2]);
  if (!m || seq < 1) {
    throw new BusError("malformed", `Cannot commit: "${id}" is not a reservation id`);
  }
  return { limiter: m[1], seq, secret: m[3] };
}

function needOf(b: BucketSpec, args: ReserveArgs): number {
  if (b.name === "input_tokens") return args.inputTokens;
  if (b.name === "output_tokens") return args.outputTokens;
  return args.requests;
}

function floorTokens(b: BucketSpec, level: BucketLevel): number {
  return Math.floor(tokens(b, level));
}

function refuse(
  spec: LimiterConfig,
  state: LimiterState,
  reason: string,
  retryAfterMs: number,
): ReserveOutcome {
  const exhaustedNow = !state.exhausted && retryAfterMs > 0;
  if (retryAfterMs > 0) state.exhausted = true;
  return {
    allowed: false,
    reservationId: "",
    retryAfterMs,
    reason,
    buckets: bucketViews(spec, state),
    exhaustedNow,
  };
}
