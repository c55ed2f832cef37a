/**
 * The NATS JetStream backend: every store of {@linkcode Storage} in one namespace of a NATS
 * cluster, shareable by several bus processes (docs/scale-out.md). This module and the ones
 * beside it are the only code that sees NATS.
 * @module
 */
import { DiscardPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { LogOptions, Storage } from "../stores.ts";
import { ConnectionWatch, connectNats, natsNames, type NatsOptions } from "./connection.ts";
import { JetStreamEventLog, type JetStreamLogObserver } from "./js_event_log.ts";
import { ensureStream } from "./streams.ts";
import {
  bucketNames,
  CLAIM_TTL_MS,
  JetStreamCommandStore,
  JetStreamConsumerGroupStore,
  JetStreamStateStore,
} from "./js_stores.ts";
import { JetStreamTrackingStore } from "./js_tracking_store.ts";

/** Store metrics: publish latency and pending events (from the log), reconnects. */
export interface JetStreamObserver extends JetStreamLogObserver {
  reconnected(): void;
}

export interface JetStreamStorageOptions extends LogOptions {
  readonly nats: NatsOptions;
  readonly storeObserver?: JetStreamObserver;
  /** JetStream's own duplicate window; the id index covers the rest of the dedupe window. */
  readonly serverDedupeWindowMs?: number;
}

/** A JetStream storage: also says whether its connection is up (for /ready). */
export interface JetStreamStorage extends Storage {
  readonly log: JetStreamEventLog;
  healthy(): boolean;
}

/**
 * Connects and opens (creating what is missing) every store.
 * @throws {Error} one sentence naming the servers when NATS cannot be reached
 */
export async function openJetStreamStorage(
  opts: JetStreamStorageOptions,
): Promise<JetStreamStorage> {
  const nc = await connectNats(opts.nats);
  try {
    return await openOn(nc, opts);
  } catch (err) {
    await nc.close();
    throw err;
  }
}

async function openOn(nc: NatsConnection, opts: JetStreamStorageOptions) {
  const names = natsNames(opts.nats.namespace);
  const replicas = opts.nats.replicas;
  const watch = new ConnectionWatch(nc, () => opts.storeObserver?.reconnected());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const log = await JetStreamEventLog.open(js, jsm, names, {
    ...opts,
    replicas,
    storeObserver: opts.storeObserver,
  });
  try {
    const kvm = new Kvm(nc);
    // No direct gets: a follower answering one may not have the newest write yet, and a
    // committed group offset or a coordinator version must be read back as written.
    const bucket = { replicas, history: 1, allow_direct: false };
    const [groups, state, claims, tracking] = await Promise.all([
      kvm.create(names.groups, bucket),
      kvm.create(names.state, bucket),
      kvm.create(names.commandClaims, { ...bucket, ttl: CLAIM_TTL_MS }),
      kvm.create(names.tracking, bucket),
    ]);
    await ensureStream(jsm, {
      name: names.commands,
      subjects: [names.commandSubject],
      storage: StorageType.File,
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
    });
    const commands = new JetStreamCommandStore(
      { js, jsm, claims },
      { stream: names.commands, subject: names.commandSubject },
    );
    let closed: Promise<void> | null = null;
    const close = () =>
      closed ??= (async () => {
        try {
          await log.close();
          await commands.release();
        } finally {
          await nc.close();
          await watch.closed();
        }
      })();
    return {
      kind: "jetstream",
      log,
      groups: new JetStreamConsumerGroupStore(groups, bucketNames(jsm, names.groups)),
      commands,
      coordinator: new JetStreamStateStore(state, bucketNames(jsm, names.state)),
      tracking: new JetStreamTrackingStore(tracking, jsm, names.tracking),
      healthy: () => watch.connected && !nc.isClosed(),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await log.close();
    throw err;
  }
}
