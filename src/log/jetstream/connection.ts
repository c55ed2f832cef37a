/**
 * Connecting to a NATS cluster for the JetStream backend: the options the bus takes (servers,
 * credentials, TLS, replication), names of the streams and buckets one bus cluster owns, and a
 * connection watch that keeps the store's health and reconnect count.
 * @module
 */
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";

/** How to reach the cluster and what to create there. */
export interface NatsOptions {
  /** Client URLs (nats://host:port), any subset of the cluster. */
  readonly servers: readonly string[];
  /** Stream and bucket name prefix: one bus cluster per namespace ("jimbot"). */
  readonly namespace: string;
  /** Copies of every stream and bucket (1 or 3 in practice). */
  readonly replicas: number;
  /** A NATS credentials file (JWT + NKey seed). */
  readonly credsFile?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** TLS: CA bundle, client certificate and key (PEM files); any of them turns TLS on. */
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
}

/** The default replication: 3 when three or more servers are named, else 1. */
export function defaultReplicas(servers: readonly string[]): number {
  return servers.length >= 3 ? 3 : 1;
}

/** Names of everything one namespace owns in the cluster. */
export function natsNames(namespace: string) {
  if (!/^[A-Za-z0-9_-]+$/.test(namespace)) {
    throw new TypeError(`Invalid NATS namespace "${namespace}": letters, digits, "_" and "-"`);
  }
  const upper = namespace.toUpperCase();
  return {
    events: `${upper}_EVENTS`,
    eventSubjects: `${namespace}.ev`,
    deadLetters: `${upper}_DEAD`,
    deadLetterSubject: `${namespace}.dead`,
    commands: `${upper}_COMMANDS`,
    commandSubject: `${namespace}.cmd`,
    commandClaims: `${namespace}_cmd_claims`,
    groups: `${namespace}_groups`,
    state: `${namespace}_state`,
    tracking: `${namespace}_tracking`,
  } as const;
}

export type NatsNames = ReturnType<typeof natsNames>;

/** Connects, or throws an Error whose message is one sentence saying what is unreachable. */
export async function connectNats(opts: NatsOptions): Promise<NatsConnection> {
  const tls = opts.tlsCaFile || opts.tlsCertFile || opts.tlsKeyFile
    ? { caFile: opts.tlsCaFile, certFile: opts.tlsCertFile, keyFile: opts.tlsKeyFile }
    : undefined;
  try {
    return await connect({
      servers: [...opts.servers],
      name: `jimbot-bus-${Deno.pid}`,
      user: opts.user,
      pass: opts.pass,
      token: opts.token,
      authenticator: opts.credsFile
        ? credsAuthenticator(await Deno.readFile(opts.credsFile))
        : undefined,
      tls,
      // Once connected, never give up: a cluster restart must not end the bus.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5_000,
    });
  } catch (err) {
    throw new Error(
      `Cannot reach NATS at ${opts.servers.join(", ")}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Connection health as the store reports it (for /ready and metrics). */
export class ConnectionWatch {
  #connected = true;
  #reconnects = 0;
  readonly #done: Promise<void>;

  constructor(nc: NatsConnection, onReconnect: () => void = () => {}) {
    this.#done = (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") this.#connected = false;
        else if (s.type === "reconnect") {
          this.#connected = true;
          this.#reconnects++;
          onReconnect();
        }
      }
    })().catch(() => {});
  }

  get connected(): boolean {
    return this.#connected;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  /** Resolves once the connection is closed. */
  closed(): Promise<void> {
    return this.#done;
  }
}
