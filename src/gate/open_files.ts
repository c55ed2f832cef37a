/**
 * The default connection cap: below the open-file limit, with room for everything else.
 * @module
 */

/** Descriptors kept for the data files, workers, child processes and the log. */
const RESERVED = 256;
/**
 * Descriptors one connection may cost: three on the main port (the client's, the gate's to the
 * internal Deno.serve, Deno.serve's end of it) and one on the gRPC port, which has the same cap.
 */
const PER_CONNECTION = 4;
const MOST = 4_096;
const LEAST = 16;
/** When the limit cannot be read (not Linux). */
const FALLBACK = 1_024;

/** This process's soft open-file limit (Deno raises it to the hard one at start), or null. */
export function openFileLimit(): number | null {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
    if (!m) return null;
    return m[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/** `--max-connections auto`: a quarter of what the open-file limit leaves, at most 4,096. */
export function autoMaxConnections(limit: number | null = openFileLimit()): number {
  if (limit === null) return FALLBACK;
  return Math.max(LEAST, Math.min(MOST, Math.floor((limit - RESERVED) / PER_CONNECTION)));
}
