/**
 * Time as the coordinator sees it: integer epoch milliseconds and timers, injectable so tests
 * can script them.
 * @module
 */

/** Whatever {@linkcode Clock.setTimer} returns. */
export type TimerHandle = unknown;

/** A source of time and timers. */
export interface Clock {
  /** Epoch milliseconds, an integer (bucket arithmetic relies on it). */
  now(): number;
  /** Calls `fn` after `ms`; returns a handle for {@linkcode Clock.clearTimer}. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimer: (handle) => clearTimeout(handle as number),
};
