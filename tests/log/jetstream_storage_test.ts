// The storage conformance suite on NATS JetStream: a single node and a 3-node cluster that this
// file starts (each case in its own namespace, deleted afterwards), reopened for restarts.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { openJetStreamStorage } from "../../src/log/jetstream/mod.ts";
import { NATS_MISSING, NatsCluster } from "../_nats_server.ts";
import { storageConformance } from "./_storage_cases.ts";

/** Removes every stream of the namespace (its KV buckets are streams too). */
async function dropNamespace(urls: string[], namespace: string): Promise<void> {
  const nc = await connect({ servers: urls });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.toLowerCase().includes(namespace)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

for (const size of [1, 3] as const) {
  const label = size === 1 ? "jetstream (1 node)" : "jetstream (3-node cluster)";
  if (NATS_MISSING) {
    Deno.test({ name: `${label} storage: skipped, ${NATS_MISSING}`, ignore: true, fn() {} });
    continue;
  }
  let cluster: Promise<NatsCluster> | null = null;
  let cases = 0;
  storageConformance(label, async () => {
    cluster ??= NatsCluster.start(size);
    const urls = (await cluster).urls;
    const namespace = `conf${size}x${++cases}`;
    return {
      open: (opts) =>
        openJetStreamStorage({ ...opts, nats: { servers: urls, namespace, replicas: size } }),
      [Symbol.asyncDispose]: () => dropNamespace(urls, namespace),
    };
  });
  Deno.test(`${label}: stop the servers`, async () => {
    if (cluster) await (await cluster)[Symbol.asyncDispose]();
  });
}
