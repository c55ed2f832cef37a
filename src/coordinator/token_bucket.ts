/**
 * Token buckets with exact refill arithmetic. A bucket of `capacity` tokens refills by `amount`
 * tokens every `periodMs`, continuously. Levels are kept in integer units of 1/periodMs token, so
 * refilling over an integer number of milliseconds adds the integer `amount × ms` units and no
 * rounding ever happens. Pure: no clock, no I/O.
 * @module
 */

/** What a bucket is configured as. */
export interface BucketSpec {
  readonly name: string;
  readonly capacity: number;
  /** Tokens added per period. */
  readonly amount: number;
  readonly periodMs: number;
}

/** A bucket's level (in units of 1/periodMs token) as of `at` (epoch ms). */
export interface BucketLevel {
  units: number;
  at: number;
}

/** A full bucket at `now`. */
export function fullBucket(spec: BucketSpec, now: number): BucketLevel {
  return { units: spec.capacity * spec.periodMs, at: now };
}

/** Refills `level` in place up to `now` (never above capacity; time going back adds nothing). */
export function refill(spec: BucketSpec, level: BucketLevel, now: number): void {
  const cap = spec.capacity * spec.periodMs;
  if (now > level.at) {
    if (level.units < cap) {
      level.units = Math.min(cap, level.units + spec.amount * (now - level.at));
    }
    level.at = now;
  }
  if (level.units > cap) level.units = cap; // capacity lowered by a config change
}

/** Tokens available (may be negative: a bucket in debt after a commit above the estimate). */
export function tokens(spec: BucketSpec, level: BucketLevel): number {
  return level.units / spec.periodMs;
}

/**
 * Milliseconds until `need` tokens are available in a refilled `level`: 0 when they are now,
 * `Infinity` when they never can be (`need` above capacity).
 */
export function waitMs(spec: BucketSpec, level: BucketLevel, need: number): number {
  if (need > spec.capacity) return Infinity;
  const deficit = need * spec.periodMs - level.units;
  return deficit <= 0 ? 0 : Math.ceil(deficit / spec.amount);
}

/** Takes `n` tokens (may go below zero: a correction after the fact), or gives back -n. */
export function take(spec: BucketSpec, level: BucketLevel, n: number): void {
  level.units -= n * spec.periodMs;
  const cap = spec.capacity * spec.periodMs;
  if (level.units > cap) level.units = cap;
}
