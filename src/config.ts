/**
 * The only reader of command-line flags and JIMBOT_* environment variables. Flag beats env beats
 * default; every value is validated once, at start.
 * @module
 */
import { StartupError } from "./errors.ts";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

/** Size and time limits on what clients may send. */
export interface Limits {
  readonly maxBodyBytes: number;
  readonly maxBatchEvents: number;
  readonly maxJsonDepth: number;
  /** Longest `type`, `subtype`, `event_id`, `source` and `batch_id`, in characters. */
  readonly maxFieldChars: number;
  readonly maxHeaderBytes: number;
  readonly bodyTimeoutMs: number;
  readonly maxCommandsPerRequest: number;
}

/** How long the event log keeps what it stored. */
export interface Retention {
  /** Events older than this are deleted; 0 keeps them regardless of age. */
  readonly maxAgeMs: number;
  /** Only the newest this many events are kept; 0 keeps any number. */
  readonly maxEvents: number;
  /** Re-sent event_ids are recognised for this long. */
  readonly dedupeWindowMs: number;
  /** At most this many event_ids are remembered (bounds memory). */
  readonly dedupeMaxIds: number;
}

/** Everything the service needs to start. */
/** The analytics options (src/analytics/ reads them; the config owns every option's shape). */
export interface AnalyticsConfig {
  readonly enabled: boolean;
  /** Raw rows older than this are kept only as rollups; 0 keeps them. */
  readonly rawMaxAgeMs: number;
  readonly queryMaxRows: number;
  readonly queryTimeoutMs: number;
  /** PostgreSQL URL to mirror the tables into; "" for none. */
  readonly postgresUrl: string;
}

export interface Config {
  readonly host: string;
  /** 0 picks a free port; the bound one is logged. */
  readonly port: number;
  readonly dataDir: string;
  /** Which store holds the event log (the other stores are always in Deno KV). */
  readonly logStore: "kv" | "sqlite";
  readonly logLevel: LogLevel;
  readonly limits: Limits;
  readonly retention: Retention;
  /** Events waiting for a commit above which producers get 429 (commit pipeline saturated). */
  readonly maxPendingEvents: number;
  /** Longest a graceful shutdown waits for in-flight work. */
  readonly shutdownTimeoutMs: number;
  /** Native gRPC listener (node:http2); 0 picks a free port. */
  readonly grpcPort: number;
  /** PEM files; when both are set, both listeners speak TLS (HTTP/2 via ALPN). */
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  /** Newest events kept in memory for live subscribers (count and envelope bytes). */
  readonly streamTailEvents: number;
  readonly streamTailBytes: number;
  /** Largest credit window of one Stream call (events in flight to one client). */
  readonly maxStreamCredits: number;
  /** Resource coordinator JSON config file ("" = defaults; schema in src/coordinator/README.md). */
  readonly coordinatorConfigFile: string;
  /** GPUs from --gpu (used when the coordinator config lists none; nvidia-smi when empty). */
  readonly gpus: readonly { readonly name: string; readonly memoryMb: number }[];
  /** The log projected into SQLite (src/analytics/README.md). */
  readonly analytics: AnalyticsConfig;
  /** Publish advice.best_play / advice.blind_odds for each game.state.update with a hand. */
  readonly liveAdvice: boolean;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DATA_DIR = "./data";
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_EVENTS = 10_000;
export const DEFAULT_MAX_JSON_DEPTH = 128;
export const DEFAULT_MAX_FIELD_CHARS = 256;
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_COMMANDS_PER_REQUEST = 1_000;
export const DEFAULT_RETENTION_MAX_AGE_MS = 30 * 24 * 3600_000;
export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 3600_000;
export const DEFAULT_DEDUPE_MAX_IDS = 2_000_000;
export const DEFAULT_MAX_PENDING_EVENTS = 200_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_STREAM_TAIL_EVENTS = 20_000;
export const DEFAULT_STREAM_TAIL_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_STREAM_CREDITS = 10_000;

/** Thrown for a bad flag or variable; main.ts prints the message and exits 2. */
export class ConfigError extends StartupError {
  constructor(message: string) {
    super(message, 2);
    this.name = "ConfigError";
  }
}

type Setter = (draft: Draft, value: string, name: string) => void;
interface OptionSpec {
  readonly flag: string;
  readonly help: string;
  readonly defaultText: string;
  readonly set: Setter;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Draft = Mutable<Config>;

/** Every option, as data: parsing, `--help` and the README table come from this list. */
export const OPTIONS: readonly OptionSpec[] = [
  opt("host", "address to listen on", DEFAULT_HOST, (d, v) => d.host = v),
  opt("port", "HTTP port (0 picks a free one)", String(DEFAULT_PORT), (d, v, n) => {
    d.port = integer(v, n, 0, 65535);
  }),
  opt("data-dir", "directory of the Deno KV database", DEFAULT_DATA_DIR, (d, v) => d.dataDir = v),
  opt("log-store", "event log store: kv or sqlite (fixed per data dir)", "kv", (d, v, n) => {
    if (v !== "kv" && v !== "sqlite") throw invalid(n, "kv or sqlite", v);
    d.logStore = v;
  }),
  opt("log-level", `one of ${LOG_LEVELS.join(", ")}`, "info", (d, v, n) => {
    if (!(LOG_LEVELS as readonly string[]).includes(v)) {
      throw invalid(n, `one of ${LOG_LEVELS.join(", ")}`, v);
    }
    d.logLevel = v as LogLevel;
  }),
  opt("max-body-bytes", "largest request body (413 above)", "16777216", (d, v, n) => {
    d.limits.maxBodyBytes = integer(v, n, 1024, 1 << 30);
  }),
  opt("max-batch-events", "most events in one batch (413 above)", "10000", (d, v, n) => {
    d.limits.maxBatchEvents = integer(v, n, 1, 1_000_000);
  }),
  opt("max-json-depth", "deepest JSON nesting (400 above)", "128", (d, v, n) => {
    d.limits.maxJsonDepth = integer(v, n, 8, 1_000);
  }),
  opt(
    "max-field-chars",
    "longest type, subtype, event_id, source, batch_id",
    "256",
    (d, v, n) => d.limits.maxFieldChars = integer(v, n, 16, 65_536),
  ),
  opt("max-header-bytes", "largest request header block (431 above)", "65536", (d, v, n) => {
    d.limits.maxHeaderBytes = integer(v, n, 1024, 1 << 24);
  }),
  opt("body-timeout", "time for a request body to arrive (408 after)", "30s", (d, v, n) => {
    d.limits.bodyTimeoutMs = duration(v, n, 1);
  }),
  opt("retention-max-age", "delete events older than this (0: never)", "30d", (d, v, n) => {
    d.retention.maxAgeMs = duration(v, n, 0);
  }),
  opt("retention-max-events", "keep only the newest N events (0: all)", "0", (d, v, n) => {
    d.retention.maxEvents = integer(v, n, 0, Number.MAX_SAFE_INTEGER);
  }),
  opt("dedupe-window", "how long a re-sent event_id is recognised", "24h", (d, v, n) => {
    d.retention.dedupeWindowMs = duration(v, n, 1);
  }),
  opt("dedupe-max-ids", "most event_ids remembered for dedupe", "2000000", (d, v, n) => {
    d.retention.dedupeMaxIds = integer(v, n, 1000, 100_000_000);
  }),
  opt("max-pending-events", "events awaiting commit before 429", "200000", (d, v, n) => {
    d.maxPendingEvents = integer(v, n, 100, 100_000_000);
  }),
  opt("shutdown-timeout", "longest graceful shutdown", "10s", (d, v, n) => {
    d.shutdownTimeoutMs = duration(v, n, 0);
  }),
  opt("grpc-port", "native gRPC port (0 picks a free one)", "50051", (d, v, n) => {
    d.grpcPort = integer(v, n, 0, 65535);
  }),
  opt("tls-cert", "PEM certificate: TLS on both ports (with --tls-key)", "none", (d, v) => {
    d.tlsCertFile = v;
  }),
  opt("tls-key", "PEM private key for --tls-cert", "none", (d, v) => d.tlsKeyFile = v),
  opt("stream-tail-events", "newest events held in memory for live readers", "20000", (d, v, n) => {
    d.streamTailEvents = integer(v, n, 0, 10_000_000);
  }),
  opt(
    "stream-tail-bytes",
    "envelope bytes held in memory for live readers",
    "33554432",
    (d, v, n) => {
      d.streamTailBytes = integer(v, n, 0, 2 ** 31);
    },
  ),
  opt("max-stream-credits", "largest credit window of one Stream call", "10000", (d, v, n) => {
    d.maxStreamCredits = integer(v, n, 1, 1_000_000);
  }),
  opt("coordinator-config", "resource coordinator JSON config file", "none", (d, v) => {
    d.coordinatorConfigFile = v;
  }),
  opt("gpu", "GPUs as name:memoryMB[,name:memoryMB] (else nvidia-smi)", "detected", (d, v, n) => {
    d.gpus = v.split(",").map((item) => {
      const m = /^([A-Za-z0-9_.-]{1,64}):(\d{1,9})$/.exec(item.trim());
      if (!m || Number(m[2]) < 1) throw invalid(n, "name:memoryMB such as 0:24576", item);
      return { name: m[1], memoryMb: Number(m[2]) };
    });
  }),
  opt("analytics", "project the log into analytics.sqlite (true/false)", "true", (d, v, n) => {
    if (v !== "true" && v !== "false") throw invalid(n, "true or false", v);
    d.analytics.enabled = v === "true";
  }),
  opt(
    "analytics-raw-max-age",
    "keep older hands/money rows only as rollups (0: all)",
    "30d",
    (d, v, n) => {
      d.analytics.rawMaxAgeMs = duration(v, n, 0);
    },
  ),
  opt("analytics-query-timeout", "time budget of one analytics query", "5s", (d, v, n) => {
    d.analytics.queryTimeoutMs = duration(v, n, 10);
  }),
  opt("analytics-max-rows", "most rows one analytics query answers", "10000", (d, v, n) => {
    d.analytics.queryMaxRows = integer(v, n, 1, 10_000_000);
  }),
  opt(
    "analytics-postgres",
    "PostgreSQL URL to mirror the analytics tables into",
    "none",
    (d, v) => {
      d.analytics.postgresUrl = v;
    },
  ),
  opt("live-advice", "publish advice.* events for game states (true/false)", "true", (d, v, n) => {
    if (v !== "true" && v !== "false") throw invalid(n, "true or false", v);
    d.liveAdvice = v === "true";
  }),
];

/** The configuration with every default. */
export function defaultConfig(): Config {
  return {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    dataDir: DEFAULT_DATA_DIR,
    logStore: "kv",
    logLevel: "info",
    limits: {
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxBatchEvents: DEFAULT_MAX_BATCH_EVENTS,
      maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
      maxFieldChars: DEFAULT_MAX_FIELD_CHARS,
      maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
      bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS,
      maxCommandsPerRequest: DEFAULT_MAX_COMMANDS_PER_REQUEST,
    },
    retention: {
      maxAgeMs: DEFAULT_RETENTION_MAX_AGE_MS,
      maxEvents: 0,
      dedupeWindowMs: DEFAULT_DEDUPE_WINDOW_MS,
      dedupeMaxIds: DEFAULT_DEDUPE_MAX_IDS,
    },
    maxPendingEvents: DEFAULT_MAX_PENDING_EVENTS,
    shutdownTimeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS,
    grpcPort: DEFAULT_GRPC_PORT,
    tlsCertFile: "",
    tlsKeyFile: "",
    streamTailEvents: DEFAULT_STREAM_TAIL_EVENTS,
    streamTailBytes: DEFAULT_STREAM_TAIL_BYTES,
    maxStreamCredits: DEFAULT_MAX_STREAM_CREDITS,
    coordinatorConfigFile: "",
    gpus: [],
    analytics: {
      enabled: true,
      rawMaxAgeMs: 30 * 24 * 3600_000,
      queryTimeoutMs: 5_000,
      queryMaxRows: 10_000,
      postgresUrl: "",
    },
    liveAdvice: true,
  };
}

/** What the command line asked for: a config, or help. */
export type ParsedArgs = { help: true } | { help: false; config: Config; rest: string[] };

/**
 * Reads `--name=value` / `--name value` flags, then `JIMBOT_NAME` variables for the options not
 * given as flags. Arguments that are not options are returned in `rest`.
 */
export function loadConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedArgs {
  const draft = defaultConfig() as Draft;
  const given = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (!arg.startsWith("--")) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) throw new ConfigError(`Cannot start: unknown option "--${name}" (see --help)`);
    let value: string | undefined = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`Cannot start: --${name} needs a value`);
    value = value.trim();
    spec.set(draft, value, `--${name}`);
    given.add(name);
  }
  for (const spec of OPTIONS) {
    const name = envName(spec.flag);
    const value = env[name];
    if (given.has(spec.flag) || value === undefined || value === "") continue;
    spec.set(draft, value.trim(), name);
  }
  return { help: false, config: draft, rest };
}

/** `--data-dir` → `JIMBOT_DATA_DIR`. */
export function envName(flag: string): string {
  return "JIMBOT_" + flag.toUpperCase().replaceAll("-", "_");
}

/** The options part of `--help`, one line each. */
export function optionsHelp(): string {
  const rows = OPTIONS.map((o) => [`--${o.flag} (${envName(o.flag)})`, o.help, o.defaultText]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([f, h, d]) => `  ${f.padEnd(width)}  ${h} [default: ${d}]`).join("\n");
}

function opt(flag: string, help: string, defaultText: string, set: Setter): OptionSpec {
  return { flag, help, defaultText, set };
}

function invalid(name: string, expected: string, got: string): ConfigError {
  return new ConfigError(`Cannot start: ${name} must be ${expected}: got "${got}"`);
}

function integer(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw invalid(name, `an integer from ${min} to ${max}`, value);
  const n = Number(value);
  if (n < min || n > max) throw invalid(name, `an integer from ${min} to ${max}`, value);
  return n;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `"30s"`, `"15m"`, `"24h"`, `"30d"`, `"250ms"`, or a bare number of milliseconds. */
function duration(value: string, name: string, min: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? "ms"] : NaN;
  if (!Number.isFinite(ms) || ms < min) {
    throw invalid(name, `a duration such as 500ms, 30s, 15m, 24h or 30d (≥ ${min} ms)`, value);
  }
  return Math.round(ms);
}
