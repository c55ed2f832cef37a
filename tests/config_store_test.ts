// --store and the NATS options: flags and JIMBOT_ variables (what the compose profile sets).
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.ts";

function config(args: string[], env: Record<string, string> = {}) {
  const parsed = loadConfig(args, env);
  assert.ok(!parsed.help);
  return parsed.config;
}

Deno.test("the store is Deno KV unless --store jetstream names NATS servers", () => {
  assert.equal(config([]).store.kind, "kv");
  const js = config([], {
    JIMBOT_STORE: "jetstream",
    JIMBOT_NATS_SERVERS: "nats://n1:4222, nats://n2:4222,nats://n3:4222",
  });
  assert.equal(js.store.kind, "jetstream");
  assert.deepEqual(js.store.natsServers, ["nats://n1:4222", "nats://n2:4222", "nats://n3:4222"]);
  assert.equal(js.store.natsReplicas, 0, "auto");
  assert.equal(config(["--nats-replicas=1"]).store.natsReplicas, 1);
  assert.throws(() => config(["--store=jetstream"]), ConfigError);
  assert.throws(() => config(["--store=etcd"]), /kv or jetstream/);
  assert.throws(() => config(["--nats-namespace=a.b"]), ConfigError);
  assert.throws(() => config(["--nats-replicas=9"]), ConfigError);
});
