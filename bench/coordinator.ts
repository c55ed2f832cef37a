/**
 * Coordinator decisions under 32 concurrent clients, in process: Reserve, and Acquire + Release,
 * each answered after its group commit to Deno KV (as the server does), and once more on the
 * in-memory store (the decision logic alone). Prints one JSON line per case beside the design
 * target (docs/design.md#targets: p99 ≤ 1 ms, ≥ 20,000 decisions/s).
 *   deno task bench:coordinator [--seconds=3] [--clients=32]
 * @module
 */
import { parseArgs } from "node:util";
import { Coordinator, parseCoordinatorConfig } from "../src/coordinator/mod.ts";
import { MemoryStateStore, openKvStorage, type StateStore, type Storage } from "../src/log/mod.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    clients: { type: "string", default: "32" },
    "memory-only": { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);

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

async function run(name: string, store: string, open: () => Promise<StateStore>, op: Op) {
  const c = await Coordinator.open(await open(), config);
  const latencies: number[] = [];
  let decisions = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
    for (let i = 0; performance.now() < end; i++) {
      const t = performance.now();
      const n = await opOf(c, op)(client, i); // not `decisions += await`: that loses updates
      latencies.push(performance.now() - t);
      decisions += n;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  await c.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => +latencies[Math.floor(latencies.length * p)].toFixed(3);
  Deno.stdout.writeSync(new TextEncoder().encode(
    JSON.stringify({
      bench: name,
      store,
      clients: CLIENTS,
      decisions_per_s: Math.round(decisions / elapsed),
      p50_ms: q(0.5),
      p99_ms: q(0.99),
      max_ms: q(1 - 1e-9),
      target: { decisions_per_s: 20_000, p99_ms: 1 },
    }) + "\n",
  ));
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
try {
  if (!args["memory-only"]) await run("reserve", "deno-kv", kvStore, reserveOp);
  if (!args["memory-only"]) {
    await run("acquire+release", "deno-kv", kvStore, acquireReleaseOp);
  }
  await run("reserve", "memory", memStore, reserveOp);
  await run("acquire+release", "memory", memStore, acquireReleaseOp);
} finally {
  for (const storage of storages) await storage.close();
  await Deno.remove(dir, { recursive: true });
}
