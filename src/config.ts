/**
 * The only reader of command-line flags and JIMBOT_* environment variables. Flag beats env beats
 * default; every value is validated once, at start.
 * @module
 */
import { parseArgs } from "node:util";
import { StartupError } from "./errors.ts";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

/** Tokens, browser protections and the mod's exemptions (docs/security.md). */
export interface AuthConfig {
  /** "" means `<data-dir>/tokens.json`. */
  readonly tokensFile: string;
  readonly allowedHosts: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly anonymousLoopback: boolean;
  /** Networks whose clients may ingest and poll without a token (a mod in a VM). */
  readonly modAllow: readonly string[];
  /** Listen on a network address without any token, after a warning. */
  readonly allowInsecureNetwork: boolean;
}

/** Requests, body bytes, streams and rates one client may take (docs/security.md). */
export interface AdmissionLimits {
  readonly maxInFlight: number;
  readonly maxInFlightPerAddress: number;
  /** Sum of request bodies being received, bytes. */
  readonly bodyBudgetBytes: number;
  readonly maxStreams: number;
  readonly maxStreamsPerClient: number;
  /** Requests per second (and twice that as a burst) per client. */
  readonly ingestRate: number;
  readonly heavyRate: number;
}

/**
 * Connections on both ports (docs/security.md#open-files-and-idle-connections): caps and the
 * timeouts that close sockets. On the main port a gate enforces them in front of Deno.serve.
 */
export interface ConnectionLimits {
  /** false: Deno.serve listens on --port itself (no caps, no timeouts of its own). */
  readonly gate: boolean;
  /** Open connections per port; 0 = derived from the open-file limit at start. */
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** A new connection's first request (its headers) must arrive within this; 0 = no limit. */
  readonly headerTimeoutMs: number;
  /** A connection with no request in flight and no bytes either way is closed after this. */
  readonly idleTimeoutMs: number;
}

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

/** Where the bus stores everything: the Deno KV file, or a NATS JetStream cluster. */
export interface StoreConfig {
  readonly kind: "kv" | "jetstream";
  /** NATS client URLs (--store jetstream). */
  readonly natsServers: readonly string[];
  /** Stream and bucket name prefix in the cluster. */
  readonly natsNamespace: string;
  /** Stream replication; 0 = 3 with three or more servers, else 1. */
  readonly natsReplicas: number;
  readonly natsCredsFile: string;
  readonly natsUser: string;
  readonly natsPassword: string;
  readonly natsToken: string;
  readonly natsTlsCaFile: string;
  readonly natsTlsCertFile: string;
  readonly natsTlsKeyFile: string;
  /** How long a starting bus retries an unreachable NATS before it exits. */
  readonly natsConnectTimeoutMs: number;
}

/** Everything the service needs to start. */
export interface Config {
  readonly store: StoreConfig;
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
  /** Period of the one-line activity summary in the log; 0 turns it off. */
  readonly summaryIntervalMs: number;
  /** Cap on all MLflow artifact files together (`<data-dir>/mlflow-artifacts`). */
  readonly artifactsMaxBytes: number;
  /** Tokens, browser protections and the mod's exemptions (docs/security.md). */
  readonly auth: AuthConfig;
  /** Requests, body bytes, streams and rates one client may take (docs/security.md). */
  readonly admission: AdmissionLimits;
  /** Connection caps and timeouts on both ports (docs/security.md). */
  readonly connections: ConnectionLimits;
}

/** Commands one POST may queue (not an option). */
const MAX_COMMANDS_PER_REQUEST = 1_000;

/** Thrown for a bad flag or variable; main.ts prints the message and exits 2. */
export class ConfigError extends StartupError {
  constructor(message: string) {
    super(message, 2);
    this.name = "ConfigError";
  }
}

/** No default value; --help shows `shown`. */
interface NoDefault {
  readonly shown: string;
}
const NONE: NoDefault = { shown: "none" };

type Setter = (draft: Draft, value: string, name: string) => void;
interface OptionSpec {
  readonly flag: string;
  readonly help: string;
  /** The default as a user would write it (applied by defaultConfig), or null for none. */
  readonly defaultValue: string | null;
  /** What --help shows as the default. */
  readonly defaultText: string;
  readonly set: Setter;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Draft = Mutable<Config>;

/**
 * Every option, as data: parsing, defaults, `--help` and the README table come from this list;
 * each default is stated here and nowhere else.
 */
export const OPTIONS: readonly OptionSpec[] = [
  opt("host", "address to listen on", "127.0.0.1", (d, v) => d.host = v),
  opt("port", "HTTP port (0 picks a free one)", "8080", (d, v, n) => {
    d.port = integer(v, n, 0, 65535);
  }),
  opt("data-dir", "directory of the Deno KV database", "./data", (d, v) => d.dataDir = v),
  opt("store", "kv (one process) or jetstream (NATS cluster)", "kv", (d, v, n) => {
    if (v !== "kv" && v !== "jetstream") throw invalid(n, "kv or jetstream", v);
    d.store.kind = v;
  }),
  opt("nats-servers", "NATS URLs for --store jetstream, comma-separated", NONE, (d, v, n) => {
    const urls = v.split(",").map((u) => u.trim()).filter((u) => u !== "");
    if (urls.length === 0) throw invalid(n, "nats://host:port[,nats://host:port...]", v);
    d.store.natsServers = urls;
  }),
  opt("nats-namespace", "prefix of the NATS streams and buckets", "jimbot", (d, v, n) => {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(v)) throw invalid(n, "letters, digits, _ or -", v);
    d.store.natsNamespace = v;
  }),
  opt("nats-replicas", "JetStream replicas (auto: 3 with 3+ servers)", "auto", (d, v, n) => {
    d.store.natsReplicas = v === "auto" ? 0 : integer(v, n, 1, 5);
  }),
  opt("nats-creds", "NATS credentials file", NONE, (d, v) => d.store.natsCredsFile = v),
  opt("nats-user", "NATS user name", NONE, (d, v) => d.store.natsUser = v),
  opt("nats-password", "NATS password", NONE, (d, v) => d.store.natsPassword = v),
  opt("nats-token", "NATS token", NONE, (d, v) => d.store.natsToken = v),
  opt("nats-tls-ca", "PEM CA bundle: TLS to NATS", NONE, (d, v) => d.store.natsTlsCaFile = v),
  opt("nats-tls-cert", "PEM client certificate for NATS", NONE, (d, v) => {
    d.store.natsTlsCertFile = v;
  }),
  opt("nats-tls-key", "PEM client key for --nats-tls-cert", NONE, (d, v) => {
    d.store.natsTlsKeyFile = v;
  }),
  opt(
    "nats-connect-timeout",
    "retry an unreachable NATS this long, then exit",
    "30s",
    (d, v, n) => {
      d.store.natsConnectTimeoutMs = duration(v, n, 0);
    },
  ),
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
  opt(
    "max-connections",
    "open connections per port (auto: from the open-file limit)",
    "auto",
    (d, v, n) => {
      d.connections.maxConnections = v === "auto" ? 0 : integer(v, n, 1, 1_000_000);
    },
  ),
  opt(
    "max-connections-per-address",
    "open connections from one client address, per port",
    "256",
    (d, v, n) => {
      d.connections.maxConnectionsPerAddress = integer(v, n, 1, 1_000_000);
    },
  ),
  opt("header-timeout", "time for a new connection's first request (0: none)", "10s", (d, v, n) => {
    d.connections.headerTimeoutMs = duration(v, n, 0);
  }),
  opt("idle-timeout", "close connections idle this long (0: never)", "60s", (d, v, n) => {
    d.connections.idleTimeoutMs = duration(v, n, 0);
  }),
  opt(
    "connection-gate",
    "enforce the connection caps and timeouts on --port (true/false)",
    "true",
    (d, v, n) => {
      d.connections.gate = bool(v, n);
    },
  ),
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
  opt("tls-cert", "PEM certificate: TLS on both ports (with --tls-key)", NONE, (d, v) => {
    d.tlsCertFile = v;
  }),
  opt("tls-key", "PEM private key for --tls-cert", NONE, (d, v) => d.tlsKeyFile = v),
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
  opt("coordinator-config", "resource coordinator JSON config file", NONE, (d, v) => {
    d.coordinatorConfigFile = v;
  }),
  opt("gpu", "GPUs as name:memoryMB[,name:memoryMB] (else nvidia-smi)", {
    shown: "detected",
  }, (d, v, n) => {
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
    NONE,
    (d, v, n) => {
      if (!URL.canParse(v) || !/^postgres(ql)?:$/.test(new URL(v).protocol)) {
        // The value may hold a password: the message shows it with the password masked.
        throw invalid(n, "a URL such as postgres://user:password@host/db", redactPassword(v));
      }
      d.analytics.postgresUrl = v;
    },
  ),
  opt("live-advice", "publish advice.* events for game states (true/false)", "true", (d, v, n) => {
    if (v !== "true" && v !== "false") throw invalid(n, "true or false", v);
    d.liveAdvice = v === "true";
  }),
  opt("summary-interval", "one-line info summary while events flow (0: off)", "60s", (d, v, n) => {
    d.summaryIntervalMs = duration(v, n, 0);
  }),
  opt(
    "artifacts-max-bytes",
    "cap on all MLflow artifact files together",
    "536870912",
    (d, v, n) => {
      d.artifactsMaxBytes = integer(v, n, 0, Number.MAX_SAFE_INTEGER);
    },
  ),
  opt(
    "tokens-file",
    "bearer tokens file (jimbot token create)",
    { shown: "<data-dir>/tokens.json" },
    (d, v) => {
      d.auth.tokensFile = v;
    },
  ),
  opt(
    "allowed-hosts",
    "Host names served besides loopback and IPs (comma-separated)",
    NONE,
    (d, v) => {
      d.auth.allowedHosts = list(v).map((h) => h.toLowerCase());
    },
  ),
  opt(
    "cors-origins",
    "browser origins allowed to call the API (comma-separated)",
    NONE,
    (d, v, n) => {
      d.auth.corsOrigins = list(v).map((o) => {
        if (!/^https?:\/\/[^/\s]+$/.test(o)) {
          throw invalid(n, "origins such as http://localhost:5173", o);
        }
        return o;
      });
    },
  ),
  opt(
    "anonymous-loopback",
    "loopback non-browser clients ingest and poll without a token",
    "true",
    (d, v, n) => {
      d.auth.anonymousLoopback = bool(v, n);
    },
  ),
  opt(
    "mod-allow",
    "networks that ingest and poll without a token (10.0.2.0/24,…)",
    NONE,
    (d, v) => {
      d.auth.modAllow = list(v);
    },
  ),
  opt(
    "body-budget-bytes",
    "request-body bytes in flight, all clients (429 above)",
    "67108864",
    (d, v, n) => {
      d.admission.bodyBudgetBytes = integer(v, n, 1024, 2 ** 40);
    },
  ),
  opt(
    "max-requests-per-address",
    "requests in flight from one address (429 above)",
    "256",
    (d, v, n) => {
      d.admission.maxInFlightPerAddress = integer(v, n, 1, 1_000_000);
    },
  ),
  opt(
    "max-streams-per-client",
    "open SSE/WebSocket/streaming calls per client",
    "64",
    (d, v, n) => {
      d.admission.maxStreamsPerClient = integer(v, n, 1, 1_000_000);
    },
  ),
  opt("ingest-rate", "ingest requests per second per client (burst: twice)", "20000", (d, v, n) => {
    d.admission.ingestRate = integer(v, n, 1, 1_000_000);
  }),
  opt(
    "heavy-rate",
    "analytics/advisor requests per second per client (burst: twice)",
    "10",
    (d, v, n) => {
      d.admission.heavyRate = integer(v, n, 1, 1_000_000);
    },
  ),
  opt(
    "allow-insecure-network",
    "listen on a network address without tokens (true/false)",
    "false",
    (d, v, n) => {
      d.auth.allowInsecureNetwork = bool(v, n);
    },
  ),
];

/** The configuration with every default (each option's default from OPTIONS). */
export function defaultConfig(): Config {
  const draft: Draft = {
    store: {
      kind: "kv",
      natsServers: [],
      natsNamespace: "",
      natsReplicas: 0,
      natsCredsFile: "",
      natsUser: "",
      natsPassword: "",
      natsToken: "",
      natsTlsCaFile: "",
      natsTlsCertFile: "",
      natsTlsKeyFile: "",
      natsConnectTimeoutMs: 0,
    },
    host: "",
    port: 0,
    dataDir: "",
    logStore: "kv",
    logLevel: "info",
    limits: {
      maxBodyBytes: 0,
      maxBatchEvents: 0,
      maxJsonDepth: 0,
      maxFieldChars: 0,
      maxHeaderBytes: 0,
      bodyTimeoutMs: 0,
      maxCommandsPerRequest: MAX_COMMANDS_PER_REQUEST,
    },
    retention: { maxAgeMs: 0, maxEvents: 0, dedupeWindowMs: 0, dedupeMaxIds: 0 },
    maxPendingEvents: 0,
    shutdownTimeoutMs: 0,
    grpcPort: 0,
    tlsCertFile: "",
    tlsKeyFile: "",
    streamTailEvents: 0,
    streamTailBytes: 0,
    maxStreamCredits: 0,
    coordinatorConfigFile: "",
    gpus: [],
    analytics: {
      enabled: false,
      rawMaxAgeMs: 0,
      queryTimeoutMs: 0,
      queryMaxRows: 0,
      postgresUrl: "",
    },
    liveAdvice: false,
    summaryIntervalMs: 0,
    artifactsMaxBytes: 0,
    auth: {
      tokensFile: "",
      allowedHosts: [],
      corsOrigins: [],
      anonymousLoopback: false,
      modAllow: [],
      allowInsecureNetwork: false,
    },
    // Not options: the caps over all clients together.
    admission: {
      maxInFlight: 2_048,
      maxStreams: 1_024,
      maxInFlightPerAddress: 0,
      bodyBudgetBytes: 0,
      maxStreamsPerClient: 0,
      ingestRate: 0,
      heavyRate: 0,
    },
    connections: {
      gate: true,
      maxConnections: 0,
      maxConnectionsPerAddress: 0,
      headerTimeoutMs: 0,
      idleTimeoutMs: 0,
    },
  };
  for (const spec of OPTIONS) {
    if (spec.defaultValue !== null) spec.set(draft, spec.defaultValue, `--${spec.flag}`);
  }
  return draft;
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
  // Not strict: an unknown flag gets our own sentence rather than parseArgs' wording.
  const { tokens } = parseArgs({
    args: [...args],
    options: {
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: "string" as const }])),
      help: { type: "boolean", short: "h" },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "positional") rest.push(token.value);
    if (token.kind !== "option") continue;
    if (token.name === "help") return { help: true };
    const spec = OPTIONS.find((o) => o.flag === token.name);
    if (!spec) {
      throw new ConfigError(`Cannot start: unknown option "${token.rawName}" (see --help)`);
    }
    if (token.value === undefined) {
      throw new ConfigError(`Cannot start: ${token.rawName} needs a value`);
    }
    spec.set(draft, token.value.trim(), token.rawName);
    given.add(spec.flag);
  }
  for (const spec of OPTIONS) {
    const name = envName(spec.flag);
    const value = env[name];
    if (given.has(spec.flag) || value === undefined || value === "") continue;
    spec.set(draft, value.trim(), name);
  }
  if (draft.store.kind === "jetstream" && draft.store.natsServers.length === 0) {
    throw new ConfigError("Cannot start: --store jetstream needs --nats-servers");
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

/** An option with its default as a user would write it, or NONE / another NoDefault. */
function opt(flag: string, help: string, byDefault: string | NoDefault, set: Setter): OptionSpec {
  return typeof byDefault === "string"
    ? { flag, help, defaultValue: byDefault, defaultText: byDefault, set }
    : { flag, help, defaultValue: null, defaultText: byDefault.shown, set };
}

function invalid(name: string, expected: string, got: string): ConfigError {
  return new ConfigError(`Cannot start: ${name} must be ${expected}: got "${got}"`);
}

/** `scheme://user:secret@host` → `scheme://user:***@host`, also in text that is no valid URL. */
export function redactPassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, "$1***@");
}

function bool(value: string, name: string): boolean {
  if (value !== "true" && value !== "false") throw invalid(name, "true or false", value);
  return value === "true";
}

function list(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
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
