/**
 * The coordinator's configuration: the `--coordinator-config` JSON file (schema in README.md
 * beside this file), validated once with errors that name the bad field, merged over defaults.
 * Pure apart from {@linkcode readCoordinatorConfig}, which reads the file.
 * @module
 */
import { StartupError } from "../errors.ts";
import type { BucketSpec } from "./token_bucket.ts";

/** A component's share of a memory resource. */
export interface ComponentBudget {
  /** Guaranteed: nobody else may use it, even when this component does not. */
  readonly reservedMb: number;
  /** Most this component may hold (reservation plus borrowing from the shared rest). */
  readonly maxMb: number;
}

export interface MemoryConfig {
  readonly totalMb: number;
  readonly components: Readonly<Record<string, ComponentBudget>>;
}

export interface GpuDevice {
  readonly name: string;
  readonly memoryMb: number;
}

export interface GpuConfig {
  /** Devices from the config file; when empty, `--gpu` flags, else `nvidia-smi`. */
  readonly devices: readonly GpuDevice[];
  /** GPU-memory budgets per component (same rules as memory, applied to every device). */
  readonly components: Readonly<Record<string, ComponentBudget>>;
  readonly defaultSliceMs: number;
  readonly maxSliceMs: number;
  /** Fair-share weight per component for time slices (default 1). */
  readonly weights: Readonly<Record<string, number>>;
}

export interface LeaseConfig {
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly maxWaitMs: number;
  /** A waiting request gains one priority level per this many milliseconds. */
  readonly agingMs: number;
  /** Per resource; bounds what one KV value holds. */
  readonly maxLeases: number;
  readonly maxQueue: number;
}

export interface LimiterConfig {
  readonly name: string;
  readonly buckets: readonly BucketSpec[];
  /** True when token estimates are tracked (input or output token buckets exist). */
  readonly tracksTokens: boolean;
}

export interface CoordinatorConfig {
  readonly memory: MemoryConfig;
  readonly gpu: GpuConfig;
  readonly leases: LeaseConfig;
  readonly limiters: readonly LimiterConfig[];
  /** How long an uncommitted reservation can still be corrected. */
  readonly reservationTtlMs: number;
  /** Outstanding reservations kept per limiter (the oldest is dropped beyond). */
  readonly maxReservations: number;
}

export const DEFAULT_MEMORY_MB = 32_768;
export const DEFAULT_SLICE_MS = 100;
export const DEFAULT_MAX_SLICE_MS = 10_000;
export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_MAX_LEASE_TTL_MS = 24 * 3_600_000;
export const DEFAULT_MAX_WAIT_MS = 10 * 60_000;
export const DEFAULT_AGING_MS = 5_000;
export const DEFAULT_MAX_LEASES = 256;
export const DEFAULT_MAX_QUEUE = 128;
export const DEFAULT_RESERVATION_TTL_MS = 10 * 60_000;
export const DEFAULT_MAX_RESERVATIONS = 128;
/** The JimBot configuration: 100 Claude requests an hour, at most 10 at once. */
export const DEFAULT_LIMITERS: Readonly<Record<string, unknown>> = {
  claude: { requests_per_hour: 100, burst: 10 },
};

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** A bad configuration file; the message names the field. The bus does not start (exit 2). */
export class CoordinatorConfigError extends StartupError {
  constructor(message: string) {
    super(`Cannot start: ${message}`, 2);
    this.name = "CoordinatorConfigError";
  }
}

/** What does not come from the file. */
export interface ConfigContext {
  /** Where the file came from, for messages. */
  readonly source?: string;
  /** Memory total when the file gives none. */
  readonly systemMemoryMb?: number;
  /** Devices from `--gpu` flags or nvidia-smi, used when the file lists none. */
  readonly gpus?: readonly GpuDevice[];
}

/**
 * Validates a parsed configuration file (`{}` or `undefined` gives every default).
 * @throws {CoordinatorConfigError} naming the first bad field
 */
export function parseCoordinatorConfig(raw: unknown, ctx: ConfigContext = {}): CoordinatorConfig {
  const v = new Validator(ctx.source ?? "coordinator config");
  const root = v.object(raw ?? {}, "", [
    "$schema",
    "memory",
    "gpu",
    "leases",
    "limiters",
    "reservations",
  ]);

  const mem = v.object(root.memory ?? {}, "memory", ["total_mb", "components"]);
  const totalMb = v.int(mem.total_mb, "memory.total_mb", 1, 1 << 30) ??
    ctx.systemMemoryMb ?? DEFAULT_MEMORY_MB;
  const memComponents = budgets(v, mem.components, "memory.components", totalMb);

  const gpu = v.object(root.gpu ?? {}, "gpu", [
    "devices",
    "components",
    "slice_ms",
    "max_slice_ms",
    "weights",
  ]);
  const devices: GpuDevice[] = [];
  if (gpu.devices !== undefined) {
    if (!Array.isArray(gpu.devices)) v.fail("gpu.devices", "must be an array", gpu.devices);
    (gpu.devices as unknown[]).forEach((d, i) => {
      const at = `gpu.devices[${i}]`;
      const o = v.object(d, at, ["name", "memory_mb"]);
      const name = v.str(o.name, `${at}.name`);
      if (name === undefined) v.fail(`${at}.name`, "is required", undefined);
      if (devices.some((x) => x.name === name)) v.fail(`${at}.name`, "must be unique", name);
      const memoryMb = v.int(o.memory_mb, `${at}.memory_mb`, 1, 1 << 30);
      if (memoryMb === undefined) v.fail(`${at}.memory_mb`, "is required", undefined);
      devices.push({ name: name!, memoryMb: memoryMb! });
    });
  }
  const gpuDevices = devices.length > 0 ? devices : [...(ctx.gpus ?? [])];
  const smallestGpu = Math.min(...gpuDevices.map((d) => d.memoryMb), 1 << 30);
  const gpuComponents = budgets(v, gpu.components, "gpu.components", smallestGpu);
  const maxSliceMs = v.int(gpu.max_slice_ms, "gpu.max_slice_ms", 1, HOUR_MS) ??
    DEFAULT_MAX_SLICE_MS;
  const defaultSliceMs = v.int(gpu.slice_ms, "gpu.slice_ms", 1, maxSliceMs) ??
    Math.min(DEFAULT_SLICE_MS, maxSliceMs);
  const weights: Record<string, number> = {};
  const w = v.object(gpu.weights ?? {}, "gpu.weights", null);
  for (const [name, value] of Object.entries(w)) {
    weights[name] = v.int(value, `gpu.weights.${name}`, 1, 1000)!;
  }

  const leases = v.object(root.leases ?? {}, "leases", [
    "default_ttl_ms",
    "max_ttl_ms",
    "max_wait_ms",
    "aging_ms",
    "max_leases",
    "max_queue",
  ]);
  const maxTtlMs = v.int(leases.max_ttl_ms, "leases.max_ttl_ms", 1, 365 * 24 * HOUR_MS) ??
    DEFAULT_MAX_LEASE_TTL_MS;
  const leaseConfig: LeaseConfig = {
    maxTtlMs,
    defaultTtlMs: v.int(leases.default_ttl_ms, "leases.default_ttl_ms", 1, maxTtlMs) ??
      Math.min(DEFAULT_LEASE_TTL_MS, maxTtlMs),
    maxWaitMs: v.int(leases.max_wait_ms, "leases.max_wait_ms", 0, 24 * HOUR_MS) ??
      DEFAULT_MAX_WAIT_MS,
    agingMs: v.int(leases.aging_ms, "leases.aging_ms", 1, 24 * HOUR_MS) ?? DEFAULT_AGING_MS,
    // One KV value (≤ 64 KiB) holds a resource's leases and queue: keep both bounded.
    maxLeases: v.int(leases.max_leases, "leases.max_leases", 1, 256) ?? DEFAULT_MAX_LEASES,
    maxQueue: v.int(leases.max_queue, "leases.max_queue", 0, 128) ?? DEFAULT_MAX_QUEUE,
  };

  const limiters: LimiterConfig[] = [];
  const lim = v.object(root.limiters ?? DEFAULT_LIMITERS, "limiters", null);
  for (const [name, value] of Object.entries(lim)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      v.fail(`limiters.${name}`, "needs a name of letters, digits, _ . or - (1-64)", name);
    }
    limiters.push(limiter(v, name, value));
  }

  const rsv = v.object(root.reservations ?? {}, "reservations", ["ttl_ms", "max_outstanding"]);
  return {
    memory: { totalMb, components: memComponents },
    gpu: { devices: gpuDevices, components: gpuComponents, defaultSliceMs, maxSliceMs, weights },
    leases: leaseConfig,
    limiters,
    reservationTtlMs: v.int(rsv.ttl_ms, "reservations.ttl_ms", 1, 24 * HOUR_MS) ??
      DEFAULT_RESERVATION_TTL_MS,
    maxReservations: v.int(rsv.max_outstanding, "reservations.max_outstanding", 1, 1000) ??
      DEFAULT_MAX_RESERVATIONS,
  };
}

/**
 * Reads and validates the file at `path`; an empty path gives the defaults.
 * @throws {CoordinatorConfigError} when the file is missing, not JSON, or invalid
 */
export async function readCoordinatorConfig(
  path: string,
  ctx: ConfigContext = {},
): Promise<CoordinatorConfig> {
  if (path === "") return parseCoordinatorConfig(undefined, ctx);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new CoordinatorConfigError(
      `Cannot read coordinator config "${path}": ${(err as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CoordinatorConfigError(
      `Cannot parse coordinator config "${path}": ${(err as Error).message}`,
    );
  }
  return parseCoordinatorConfig(raw, { ...ctx, source: path });
}

function budgets(
  v: Validator,
  raw: unknown,
  at: string,
  totalMb: number,
): Record<string, ComponentBudget> {
  const out: Record<string, ComponentBudget> = {};
  let reservedSum = 0;
  for (const [name, value] of Object.entries(v.object(raw ?? {}, at, null))) {
    const o = v.object(value, `${at}.${name}`, ["reserved_mb", "max_mb"]);
    const reservedMb = v.int(o.reserved_mb, `${at}.${name}.reserved_mb`, 0, totalMb) ?? 0;
    const maxMb = v.int(o.max_mb, `${at}.${name}.max_mb`, Math.max(1, reservedMb), totalMb) ??
      totalMb;
    reservedSum += reservedMb;
    if (reservedSum > totalMb) {
      v.fail(`${at}.${name}.reserved_mb`, `brings the reservations above the ${totalMb} MB total`, {
        reservedSum,
      });
    }
    out[name] = { reservedMb, maxMb };
  }
  return out;
}

function limiter(v: Validator, name: string, raw: unknown): LimiterConfig {
  const at = `limiters.${name}`;
  const o = v.object(raw, at, [
    "requests_per_minute",
    "requests_per_hour",
    "burst",
    "input_tokens_per_minute",
    "output_tokens_per_minute",
  ]);
  // Capacity × period must stay an exact integer in a double (2^53 units).
  const MAX = 1_000_000_000;
  const rpm = v.int(o.requests_per_minute, `${at}.requests_per_minute`, 1, MAX);
  const rph = v.int(o.requests_per_hour, `${at}.requests_per_hour`, 1, MAX);
  const burst = v.int(o.burst, `${at}.burst`, 1, MAX);
  const itpm = v.int(o.input_tokens_per_minute, `${at}.input_tokens_per_minute`, 1, MAX);
  const otpm = v.int(o.output_tokens_per_minute, `${at}.output_tokens_per_minute`, 1, MAX);
  if (rpm === undefined && rph === undefined && itpm === undefined && otpm === undefined) {
    v.fail(
      at,
      "needs at least one of requests_per_minute, requests_per_hour, input_tokens_per_minute, output_tokens_per_minute",
      raw,
    );
  }
  if (burst !== undefined && rpm === undefined && rph === undefined) {
    v.fail(`${at}.burst`, "needs requests_per_minute or requests_per_hour", burst);
  }
  const buckets: BucketSpec[] = [];
  if (rpm !== undefined) {
    buckets.push({ name: "requests", capacity: burst ?? rpm, amount: rpm, periodMs: MINUTE_MS });
  }
  if (rph !== undefined) {
    // Without a per-minute limit the burst bounds the hourly bucket (JimBot: 10, +1 every 36 s).
    const capacity = rpm === undefined ? burst ?? rph : rph;
    buckets.push({ name: "requests_per_hour", capacity, amount: rph, periodMs: HOUR_MS });
  }
  if (itpm !== undefined) {
    buckets.push({ name: "input_tokens", capacity: itpm, amount: itpm, periodMs: MINUTE_MS });
  }
  if (otpm !== undefined) {
    buckets.push({ name: "output_tokens", capacity: otpm, amount: otpm, periodMs: MINUTE_MS });
  }
  return { name, buckets, tracksTokens: itpm !== undefined || otpm !== undefined };
}

class Validator {
  constructor(readonly source: string) {}

  fail(field: string, problem: string, got: unknown): never {
    const shown = got === undefined ? "" : `: got ${JSON.stringify(got)}`;
    throw new CoordinatorConfigError(
      `Invalid ${this.source}: ${field || "the top level"} ${problem}${shown}`,
    );
  }

  /** An object whose keys are all in `known` (any keys when `known` is null). */
  object(raw: unknown, at: string, known: readonly string[] | null): Record<string, unknown> {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      this.fail(at, "must be an object", raw);
    }
    const o = raw as Record<string, unknown>;
    if (known) {
      for (const key of Object.keys(o)) {
        if (!known.includes(key)) {
          this.fail(
            at ? `${at}.${key}` : key,
            `is not a known field (known: ${known.join(", ")})`,
            undefined,
          );
        }
      }
    }
    return o;
  }

  int(raw: unknown, at: string, min: number, max: number): number | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < min || raw > max) {
      this.fail(at, `must be an integer from ${min} to ${max}`, raw);
    }
    return raw as number;
  }

  str(raw: unknown, at: string): string | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== "string" || raw === "" || raw.length > 64) {
      this.fail(at, "must be a non-empty string of at most 64 characters", raw);
    }
    return raw as string;
  }
}
