import assert from "node:assert/strict";
import { Coordinator } from "../../src/coordinator/coordinator.ts";
import { parseCoordinatorConfig } from "../../src/coordinator/coordinator_config.ts";
import type { LeaseEvent } from "../../src/coordinator/lease_pool.ts";
import { KvStateStore, MemoryStateStore } from "../../src/log/mod.ts";
import { ManualClock, settle } from "./_manual_clock.ts";

const GPU = { devices: [{ name: "0", memory_mb: 24_000 }], weights: { training: 3, inference: 1 } };

async function open(raw: Record<string, unknown>, clock = new ManualClock()) {
  const config = parseCoordinatorConfig({ gpu: GPU, ...raw });
  return { c: await Coordinator.open(new MemoryStateStore(), config, { clock }), clock };
}

function used(c: Coordinator, resource: string): number {
  return c.status().resources.find((r) => r.resource === resource)!.used;
}

for (const backend of ["memory store", "Deno KV"]) {
  Deno.test(`Acquire() 100 concurrent calls never over-commit memory or GPU (${backend})`, async () => {
    const dir = await Deno.makeTempDir();
    const kv = await Deno.openKv(`${dir}/kv`);
    const store = backend === "Deno KV" ? new KvStateStore(kv) : new MemoryStateStore();
    const config = parseCoordinatorConfig({
      gpu: GPU,
      memory: { total_mb: 1000, components: { graph: { reserved_mb: 300 } } },
    });
    const c = await Coordinator.open(store, config);
    try {
      const calls = Array.from({ length: 100 }, (_, i) =>
        c.acquire({
          resource: i % 2 ? "memory" : "gpu_memory",
          amount: 10 + (i * 37) % 300,
          component: ["graph", "agent", "llm"][i % 3],
        }));
      const outcomes = await Promise.all(calls);
      const granted = outcomes.filter((o) => o.state === "granted");
      const sumOf = (r: string) =>
        granted.filter((o) => o.lease.resource === r).reduce((s, o) => s + o.lease.amount, 0);
      assert.ok(sumOf("memory") <= 1000, `memory ${sumOf("memory")}`);
      assert.ok(sumOf("gpu:0:memory") <= 24_000);
      assert.equal(used(c, "memory"), sumOf("memory"));
      assert.ok(outcomes.some((o) => o.state === "denied"), "memory must run out");
      // "agent" and "llm" together never ate into graph's 300 MB reservation
      const others = granted.filter((o) =>
        o.lease.resource === "memory" && o.lease.component !== "graph"
      )
        .reduce((s, o) => s + o.lease.amount, 0);
      assert.ok(others <= 700, `others ${others}`);
      // 100 concurrent GPU slices: exactly one holder at a time
      const slices = await Promise.all(
        Array.from(
          { length: 100 },
          (_, i) => c.acquire({ resource: "gpu_slice", amount: 50, component: `c${i % 4}` }),
        ),
      );
      assert.equal(slices.filter((o) => o.state === "granted").length, 1);
    } finally {
      await c.close();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("Acquire() reservations: a component always gets its guaranteed share", async () => {
  const { c } = await open({
    memory: { total_mb: 1000, components: { graph: { reserved_mb: 400, max_mb: 600 } } },
  });
  // others can take only the 600 shared MB
  assert.equal(
    (await c.acquire({ resource: "memory", amount: 600, component: "agent" })).state,
    "granted",
  );
  const over = await c.acquire({ resource: "memory", amount: 1, component: "agent" });
  assert.equal(over.state, "denied");
  // graph still gets all of its 400 MB, but cannot borrow beyond the shared rest
  assert.equal(
    (await c.acquire({ resource: "memory", amount: 400, component: "graph" })).state,
    "granted",
  );
  assert.equal(used(c, "memory"), 1000);
  // beyond max can never be granted
  const never = await c.acquire({ resource: "memory", amount: 601, component: "graph" });
  assert.equal(never.state, "denied");
  assert.match((never as { reason: string }).reason, /can never be granted/);
  await c.close();
});

Deno.test("Acquire() waiters are served by priority, then arrival, with aging", async () => {
  const { c, clock } = await open({
    memory: { total_mb: 100 },
    leases: { aging_ms: 1000 },
  });
  const holder = await c.acquire({
    resource: "memory",
    amount: 100,
    component: "h",
    ttlMs: 60_000,
  });
  assert.equal(holder.state, "granted");
  const order: string[] = [];
  const wait = (id: string, priority: number) =>
    c.acquire({
      resource: "memory",
      amount: 100,
      component: id,
      priority,
      waitMs: 600_000,
      requestId: id,
      ttlMs: 1,
    })
      .then((o) => {
        order.push(id);
        return o;
      });
  const low = wait("low-old", 1); // waits longest
  await clock.advance(2500); // low-old ages by 2 levels: 1 + 2 = 3
  const normal1 = wait("normal-1", 2);
  const normal2 = wait("normal-2", 2);
  const high = wait("high", 3); // 3, but arrived after low-old
  const critical = wait("critical", 4);
  await settle();
  const status = c.status().resources[0];
  assert.equal(status.queued, 5);
  // each grant has ttl 1 ms: releasing the holder starts a chain of grants, one per ms
  await c.release(holder.state === "granted" ? holder.lease.leaseId : "");
  for (let i = 0; i < 10; i++) await clock.advance(1);
  await Promise.all([low, normal1, normal2, high, critical]);
  assert.deepEqual(order, ["critical", "low-old", "high", "normal-1", "normal-2"]);
  await c.close();
});

Deno.test("Acquire() queued answer: position, estimated wait, then granted by expiry", async () => {
  const { c, clock } = await open({ memory: { total_mb: 100 } });
  await c.acquire({ resource: "memory", amount: 70, component: "a", ttlMs: 5000 });
  const q = await c.acquire({
    resource: "memory",
    amount: 50,
    component: "b",
    waitMs: 60_000,
    returnQueued: true,
    requestId: "b-1",
  });
  assert.equal(q.state, "queued");
  if (q.state !== "queued") return;
  assert.equal(q.position, 1);
  assert.equal(q.estimatedWaitMs, 5000);
  // asking again with the same request id reports the same place
  assert.equal(
    (await c.acquire({ resource: "memory", amount: 50, component: "b", requestId: "b-1" })).state,
    "queued",
  );
  await clock.advance(5000);
  const again = await c.acquire({
    resource: "memory",
    amount: 50,
    component: "b",
    requestId: "b-1",
  });
  assert.equal(again.state, "granted");
  await c.close();
});

Deno.test("Acquire() with a deadline is denied when it passes", async () => {
  const { c, clock } = await open({ memory: { total_mb: 100 } });
  await c.acquire({ resource: "memory", amount: 100, component: "a", ttlMs: 60_000 });
  const p = c.acquire({ resource: "memory", amount: 10, component: "b", waitMs: 2000 });
  await clock.advance(1999);
  let done = false;
  p.then(() => done = true);
  await settle();
  assert.equal(done, false);
  await clock.advance(1);
  const o = await p;
  assert.equal(o.state, "denied");
  assert.equal(c.status().resources[0].queued, 0);
  await c.close();
});

Deno.test("Renew() keeps a lease; a lease that is not renewed expires on time", async () => {
  const { c, clock } = await open({ memory: { total_mb: 100 } });
  const events: LeaseEvent[] = [];
  const watch = (async () => {
    for await (const e of c.watch({ resources: ["memory"] })) events.push(e);
  })();
  const a = await c.acquire({
    resource: "memory",
    amount: 40,
    component: "a",
    ttlMs: 1000,
    requestId: "a",
  });
  const b = await c.acquire({
    resource: "memory",
    amount: 40,
    component: "b",
    ttlMs: 1000,
    requestId: "b",
  });
  assert.equal(a.state, "granted");
  assert.equal(b.state, "granted");
  await clock.advance(900);
  const renewed = await c.renew("a", 1000);
  assert.equal(renewed.expiresAtMs, clock.now() + 1000);
  await clock.advance(99);
  assert.equal(used(c, "memory"), 80);
  await clock.advance(1); // b: 1000 ms after its grant
  assert.equal(used(c, "memory"), 40);
  await assert.rejects(() => c.renew("b"), { message: /expired or was released/ });
  await clock.advance(899);
  assert.equal(used(c, "memory"), 40);
  await clock.advance(1);
  assert.equal(used(c, "memory"), 0);
  await c.close();
  await watch;
  assert.deepEqual(
    events.map((e) => `${e.state}:${e.lease.leaseId}`),
    ["granted:a", "granted:b", "expired:b", "expired:a"],
  );
});

Deno.test("Acquire() a non-renewed lease expires on time with the real clock", async () => {
  const c = await Coordinator.open(
    new MemoryStateStore(),
    parseCoordinatorConfig({ memory: { total_mb: 10 } }),
  );
  const t0 = Date.now();
  await c.acquire({ resource: "memory", amount: 10, component: "a", ttlMs: 150 });
  const next = await c.acquire({ resource: "memory", amount: 10, component: "b", waitMs: 2000 });
  const waited = Date.now() - t0;
  assert.equal(next.state, "granted");
  assert.ok(waited >= 148 && waited < 400, `granted after ${waited} ms`);
  await c.close();
});

Deno.test("Acquire() GPU slices: weighted fair share, the ended slice is preempted", async () => {
  const { c, clock } = await open({});
  const events: LeaseEvent[] = [];
  const watch = (async () => {
    for await (const e of c.watch({ resources: ["gpu_slice"] })) events.push(e);
  })();
  const grants: string[] = [];
  // training (weight 3) and inference (weight 1) each keep 8 requests queued
  const loop = async (component: string) => {
    for (let i = 0; i < 8; i++) {
      const o = await c.acquire({ resource: "gpu_slice", amount: 0, component, waitMs: 600_000 });
      assert.equal(o.state, "granted");
      grants.push(component);
    }
  };
  const both = Promise.all([loop("training"), loop("inference")]);
  for (let i = 0; i < 12; i++) await clock.advance(100); // default slice 100 ms
  // in the first 8 grants, training got 3 for each of inference's 1 (after the first of each)
  const first8 = grants.slice(0, 8);
  assert.equal(first8.filter((g) => g === "training").length, 6, first8.join(","));
  for (let i = 0; i < 20; i++) await clock.advance(100);
  await both;
  await c.close();
  await watch;
  assert.ok(events.some((e) => e.state === "preempted" && e.reason === "slice ended"));
});

Deno.test("Release() returns resources to the next waiter at once", async () => {
  const { c } = await open({ memory: { total_mb: 100 } });
  const a = await c.acquire({ resource: "memory", amount: 100, component: "a", requestId: "a" });
  assert.equal(a.state, "granted");
  const waiting = c.acquire({ resource: "memory", amount: 60, component: "b", waitMs: 10_000 });
  await settle();
  assert.equal(await c.release("a"), true);
  assert.equal((await waiting).state, "granted");
  assert.equal(await c.release("a"), false);
  await c.close();
});

Deno.test("Coordinator.open() after a restart reclaims expired leases and keeps live ones", async () => {
  const clock = new ManualClock();
  const store = new MemoryStateStore();
  const config = parseCoordinatorConfig({ memory: { total_mb: 100 } });
  const c = await Coordinator.open(store, config, { clock });
  await c.acquire({ resource: "memory", amount: 30, component: "a", ttlMs: 1000 });
  await c.acquire({ resource: "memory", amount: 20, component: "b", ttlMs: 10_000 });
  await c.close();
  clock.advanceNoTimers(5000);
  const again = await Coordinator.open(store, config, { clock });
  assert.equal(used(again, "memory"), 20);
  await again.close();
});
