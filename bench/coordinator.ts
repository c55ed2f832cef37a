/**
 * Coordinator decisions under 32 concurrent clients, in process: Reserve, and Acquire + Release,
 * each answered after its group commit to Deno KV (as the server does), and once more on the
 * in-memory store (the decision logic alone). Prints one JSON line per case beside the design
 * target (docs/design.md#targets: p99 ≤ 1 ms, ≥ 20,000 decisions/s), with the latency distribution.
 *
 * Two loads: closed loop (each client asks again as soon as it is answered: the most decisions per
 * second, with the queueing that brings) and open loop at a fixed offered rate (--rate, default
 * the target's 20,000/s: requests start on a schedule whatever the answers do, so the p99 is the
 * one a caller sees at that rate, the figure the target is about). The memory store's figures in
 * the same run are the baseline: the share of the latency that is the durable commit; raw Deno KV
 * commits of the same run are the floor under the Deno KV figures.
 *   deno task bench:coordinator [--seconds=3] [--clients=32] [--rate=20000] [--memory-only]
 * @module
 */
import { Coordinator, parseCoordinatorConfig } from "../src/coordinator/mod.ts";
import { MemoryStateStore, openKvStorage, type StateStore, type Storage } from "../src/log/mod.ts";
import { benchArgs } from "./_args.ts";

const args = benchArgs();
const SECONDS = Number(args.seconds ?? 3);
const CLIENTS = Number(args.clients ?? 32);
const RATE = Number(args.rate ?? 20_000);

const config = parseCoordinatorConfig({
  memory: { total_mb: 1_000_000 },
  limiters: {
    bench: {
      requests_per_minute: 1_000_000_000,
      input_tokens_per_minute: 1_000_000_000,
      output_tokens_per_minute: 1_000_000_000,
    },
  },
});

type Op = (client: number, i: number) => Promise<number>;

type Load = "closed" | "open";

async function run(
  name: string,
  store: string,
  open: () => Promise<StateStore>,
  op: Op,
  load: Load,
) {
  const c = await Coordinator.open(await open(), config);
  const latencies: number[] = [];
  const service: number[] = [];
  let decisions = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  if (load === "closed") {
    await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        const n = await opOf(c, op)(client, i); // not `decisions += await`: that loses updates
        latencies.push(performance.now() - t);
        decisions += n;
      }
    }));
  } else {
    decisions = await openLoop(c, op, end, latencies, service);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await c.close();
  latencies.sort((a, b) => a - b);
  service.sort((a, b) => a - b);
  const at = (xs: number[], p: number) =>
    xs.length ? +xs[Math.min(xs.length - 1, Math.floor(xs.length * p))].toFixed(3) : null;
  const q = (p: number) => at(latencies, p);
  Deno.stdout.writeSync(new TextEncoder().encode(
    JSON.stringify({
      bench: name,
      store,
      load: load === "closed" ? `closed loop, ${CLIENTS} clients` : `open loop, ${RATE}/s offered`,
      decisions_per_s: Math.round(decisions / elapsed),
      p50_ms: q(0.5),
      p90_ms: q(0.9),
      p99_ms: q(0.99),
      p99_9_ms: q(0.999),
      max_ms: q(1),
      ...load === "open"
        ? { service_p50_ms: at(service, 0.5), service_p99_ms: at(service, 0.99) }
        : {},
      target: { decisions_per_s: 20_000, p99_ms: 1 },
      machine: { cores: navigator.hardwareConcurrency, load_average_1m: Deno.loadavg()[0] },
    }) + "\n",
  ));
}

/**
 * Starts operations on a fixed schedule (RATE per second, in ticks of 1 ms) until `end`; each
 * latency counts from its scheduled start, so a stalled event loop shows in the figures;
 * `service` gets the latency from the call itself (without the bench's own timer lateness).
 */
async function openLoop(
  c: Coordinator,
  op: Op,
  end: number,
  latencies: number[],
  service: number[],
): Promise<number> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let decisions = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    for (; issued < due; issued++) {
      const scheduled = started + (issued / RATE) * 1000;
      const called = performance.now();
      const p: Promise<void> = opOf(c, op)(issued % CLIENTS, issued).then((n) => {
        latencies.push(performance.now() - scheduled);
        service.push(performance.now() - called);
        decisions += n;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  return decisions;
}

function opOf(c: Coordinator, op: Op): Op {
  current = c;
  return op;
}
let current: Coordinator;

const reserveOp: Op = async () => {
  const r = await current.reserve({
    limiter: "bench",
    estimatedInputTokens: 500,
    estimatedOutputTokens: 200,
  });
  if (!r.allowed) throw new Error(`refused: ${r.reason}`);
  return 1;
};

const acquireReleaseOp: Op = async (client, i) => {
  const o = await current.acquire({
    resource: "memory",
    amount: 10,
    component: `c${client % 4}`,
    requestId: `b-${client}-${i}`,
  });
  if (o.state !== "granted") throw new Error(`not granted: ${JSON.stringify(o)}`);
  await current.release(o.lease.leaseId);
  return 2;
};

const dir = await Deno.makeTempDir({ prefix: "jimbot-bench-coord-" });
const storages: Storage[] = [];
const kvStore = async () => {
  const storage = await openKvStorage(`${dir}/kv-${storages.length}`, {
    retention: { maxAgeMs: 0, maxEvents: 0, dedupeWindowMs: 0, dedupeMaxIds: 0 },
    maxPendingEvents: 1,
  });
  storages.push(storage);
  return storage.coordinator;
};
const memStore = () => Promise.resolve(new MemoryStateStore());
const stores: [string, () => Promise<StateStore>][] = args["memory-only"] === "true"
  ? [["memory", memStore]]
  : [["deno-kv", kvStore], ["memory", memStore]];
/**
 * The floor under the Deno KV figures, measured in the same run: back-to-back compare-and-set
 * writes of one key through the coordinator's store (what each group commit does), one at a
 * time. A decision is answered after at least one of these, so their p99 bounds the decisions'.
 */
async function rawCommits(store: StateStore): Promise<void> {
  const value = new Uint8Array(2048).fill(0x61);
  const latencies: number[] = [];
  let version: string | null = null;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    version = await store.swap("bench/raw", value, version);
    if (version === null) throw new Error("the raw commit lost its compare-and-set");
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    +latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(3);
  Deno.stdout.writeSync(new TextEncoder().encode(
    JSON.stringify({
      bench: "baseline: raw Deno KV commits, one at a time (2 KB compare-and-set)",
      commits_per_s: Math.round(latencies.length / SECONDS),
      p50_ms: q(0.5),
      p99_ms: q(0.99),
      p99_9_ms: q(0.999),
      max_ms: q(1),
      machine: { cores: navigator.hardwareConcurrency, load_average_1m: Deno.loadavg()[0] },
    }) + "\n",
  ));
}

try {
  if (args["memory-only"] !== "true") await rawCommits(await kvStore());
  for (const load of ["closed", "open"] as const) {
    for (const [store, open] of stores) {
      await run("reserve", store, open, reserveOp, load);
      // (open loop: unbounded concurrency would hit the per-resource lease limit)
      if (load === "closed") await run("acquire+release", store, open, acquireReleaseOp, load);
    }
  }
} finally {
  for (const storage of storages) await storage.close();
  await Deno.remove(dir, { recursive: true });
}
