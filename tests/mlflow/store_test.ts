// The tracking store contract, run against both implementations: the memory one and the Deno KV
// one (a real KV file in a temp dir), which must agree on ordering, prefixes and large writes.
import assert from "node:assert/strict";
import { KvTrackingStore, MemoryTrackingStore, type TrackingStore } from "../../src/mlflow/mod.ts";

async function contract(store: TrackingStore): Promise<void> {
  await store.write([
    { key: ["metric", "r1", "loss", 10], value: { v: 10 } },
    { key: ["metric", "r1", "loss", 2], value: { v: 2 } },
    { key: ["metric", "r1", "loss", "x"], value: { v: "x" } },
    { key: ["metric", "r1", "loss"], value: "the prefix itself" },
    { key: ["metric", "r10", "loss", 1], value: { v: "other run" } },
  ]);
  const listed = await store.list<{ v: unknown }>(["metric", "r1", "loss"]);
  assert.deepEqual(
    listed.map((e) => e.value.v),
    ["x", 2, 10],
    "strings, then numbers in order (Deno KV's order)",
  );
  assert.deepEqual(listed[1].key, ["metric", "r1", "loss", 2]);
  assert.equal(await store.get(["metric", "r1", "loss"]), "the prefix itself");
  await store.write([{ key: ["metric", "r1", "loss", 2], value: null }]);
  assert.equal(await store.get(["metric", "r1", "loss", 2]), undefined);
  // More writes than one KV atomic operation takes: all of them land.
  const many = Array.from({ length: 1300 }, (_, i) => ({ key: ["p", i], value: "x".repeat(900) }));
  await store.write(many);
  assert.equal((await store.list(["p"])).length, 1300);
  const got = await store.get<string>(["p", 1299]);
  assert.equal(got?.length, 900);
}

Deno.test("the memory tracking store keeps the store contract", async () => {
  await contract(new MemoryTrackingStore());
});

Deno.test("the Deno KV tracking store keeps the store contract, under the mlflow prefix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-mlflow-" });
  const kv = await Deno.openKv(`${dir}/t.kv`);
  try {
    await contract(new KvTrackingStore(kv));
    const raw = await kv.get(["mlflow", "metric", "r1", "loss", 10]);
    assert.deepEqual(raw.value, { v: 10 });
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
