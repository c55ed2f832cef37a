/**
 * A warn log that writes at most one line per interval and counts what it held back, so a
 * client sending garbage in a loop cannot flood the log.
 * @module
 */
import type { Logger } from "./logger.ts";

export type ThrottledWarn = (msg: string, fields?: Record<string, unknown>) => void;

export function throttledWarn(
  logger: Logger,
  intervalMs: number,
  now: () => number = Date.now,
): ThrottledWarn {
  let last = -Infinity;
  let suppressed = 0;
  return (msg, fields) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    logger.warn(msg, suppressed > 0 ? { ...fields, suppressed } : fields);
    last = t;
    suppressed = 0;
  };
}
