import assert from "node:assert/strict";
import { Coordinator } from "../../src/coordinator/coordinator.ts";
import { parseCoordinatorConfig } from "../../src/coordinator/coordinator_config.ts";
import { MemoryStateStore } from "../../src/log/mod.ts";
import { ManualClock } from "./_manual_clock.ts";

async function open(limiters: unknown, clock = new ManualClock(), store = new MemoryStateStore()) {
  const config = parseCoordinatorConfig({ limiters });
  return { c: await Coordinator.open(store, config, { clock }), clock, store };
}

Deno.test("Reserve() claude default: burst of 10, then one request every 36 s exactly", async () => {
  const { c, clock } = await open(undefined);
  for (let i = 0; i < 10; i++) {
    assert.deepEqual((await c.reserve({ limiter: "claude" })).allowed, true, `request ${i}`);
  }
  const denied = await c.reserve({ limiter: "claude" });
  assert.deepEqual(denied.allowed, false);
  assert.deepEqual(denied.retryAfterMs, 36_000);
  await clock.advance(35_999);
  const almost = await c.reserve({ limiter: "claude" });
  assert.deepEqual([almost.allowed, almost.retryAfterMs], [false, 1]);
  await clock.advance(1);
  assert.deepEqual((await c.reserve({ limiter: "claude" })).allowed, true);
  assert.deepEqual((await c.reserve({ limiter: "claude" })).retryAfterMs, 36_000);
  // 18 s is exactly half a token: remaining reads 0.5
  await clock.advance(18_000);
  assert.deepEqual(c.status().limiters[0].buckets[0].remaining, 0.5);
  await c.close();
});

Deno.test("Reserve() over a scripted hour: burst + 100 refills, never more", async () => {
  const { c, clock } = await open(undefined);
  let allowed = 0;
  // one attempt per second for an hour
  for (let s = 0; s < 3600; s++) {
    if ((await c.reserve({ limiter: "claude" })).allowed) allowed++;
    await clock.advance(1000);
  }
  // 10 from the full bucket, then one per 36 s: 3600/36 = 100 refills, the last at t = 3600 s
  assert.deepEqual(allowed, 10 + 99);
  assert.deepEqual((await c.reserve({ limiter: "claude" })).allowed, true); // t = 3600 s
  await c.close();
});

Deno.test("Reserve() hour budget bounds a per-minute limiter", async () => {
  const { c, clock } = await open({
    api: { requests_per_minute: 60, burst: 5, requests_per_hour: 8 },
  });
  const results: boolean[] = [];
  for (let i = 0; i < 10; i++) {
    results.push((await c.reserve({ limiter: "api" })).allowed);
    await clock.advance(1000);
  }
  // burst 5, then the per-minute bucket refills 1/s; the hourly bucket (8) runs out first
  assert.deepEqual(results, [true, true, true, true, true, true, true, true, false, false]);
  const r = await c.reserve({ limiter: "api" });
  assert.deepEqual(r.allowed, false);
  // 8 taken at t=0..7 s; now t=10 s: hour bucket holds 8/3600 per s × 10 s = 0.0222 tokens
  // one token needs 450 s in all: 450,000 - 10,000 ms
  assert.deepEqual(r.retryAfterMs, 440_000);
  assert.deepEqual(r.reason.includes("requests_per_hour"), true);
  await c.close();
});

Deno.test("Reserve()/Commit() tokens: estimate taken, actual corrects up and down", async () => {
  const { c, clock } = await open({
    llm: { requests_per_minute: 50, input_tokens_per_minute: 1000, output_tokens_per_minute: 600 },
  });
  const r1 = await c.reserve({
    limiter: "llm",
    estimatedInputTokens: 400,
    estimatedOutputTokens: 300,
  });
  assert.deepEqual(r1.allowed, true);
  const left = (r: { buckets: { name: string; remaining: number }[] }) =>
    Object.fromEntries(r.buckets.map((b) => [b.name, b.remaining]));
  assert.deepEqual(left(r1), { requests: 49, input_tokens: 600, output_tokens: 300 });
  // actual output above the estimate takes more; input below gives back
  const c1 = await c.commit(r1.reservationId, { inputTokens: 100, outputTokens: 500 });
  assert.deepEqual(c1.corrected, true);
  assert.deepEqual(left(c1), { requests: 49, input_tokens: 900, output_tokens: 100 });
  // committing twice changes nothing
  assert.deepEqual(
    (await c.commit(r1.reservationId, { inputTokens: 0, outputTokens: 0 })).corrected,
    false,
  );
  // 200 output tokens needed, 100 there, refill 600/min = 1 per 100 ms
  const r2 = await c.reserve({ limiter: "llm", estimatedOutputTokens: 200 });
  assert.deepEqual([r2.allowed, r2.retryAfterMs], [false, 10_000]);
  await clock.advance(10_000);
  assert.deepEqual((await c.reserve({ limiter: "llm", estimatedOutputTokens: 200 })).allowed, true);
  // a commit far above the estimate leaves the bucket in debt
  const r3 = await c.reserve({ limiter: "llm", estimatedOutputTokens: 0 });
  const c3 = await c.commit(r3.reservationId, { inputTokens: 0, outputTokens: 500 });
  assert.deepEqual(left(c3).output_tokens, -500);
  const r4 = await c.reserve({ limiter: "llm", estimatedOutputTokens: 1 });
  assert.deepEqual(r4.retryAfterMs, 50_100);
  // more than a bucket holds can never be allowed
  const never = await c.reserve({ limiter: "llm", estimatedInputTokens: 1001 });
  assert.deepEqual([never.allowed, never.retryAfterMs], [false, 0]);
  await c.close();
});

Deno.test("Reserve() state survives reopening the store (a restart keeps the quota)", async () => {
  const clock = new ManualClock();
  const store = new MemoryStateStore();
  const { c } = await open(undefined, clock, store);
  for (let i = 0; i < 7; i++) await c.reserve({ limiter: "claude" });
  await c.close();
  const again = await Coordinator.open(store, parseCoordinatorConfig({}), { clock });
  assert.deepEqual(again.status().limiters[0].buckets[0].remaining, 3);
  await again.close();
});

Deno.test("Reserve() unknown limiter and bad reservation ids are refused", async () => {
  const { c } = await open(undefined);
  await assert.rejects(() => c.reserve({ limiter: "nope" }), {
    message: new RegExp('Unknown limiter "nope"'),
  });
  await assert.rejects(() => c.commit("garbage", { inputTokens: 0, outputTokens: 0 }), {
    message: new RegExp("not a reservation id"),
  });
  await c.close();
});
