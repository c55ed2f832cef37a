/**
 * Scale-out benchmark (not part of the tests): durable batch ingest through the bus into a
 * JetStream R1 (one node) and R3 (three-node cluster) store, beside a raw JetStream publisher
 * that uses the same library with no bus (each batch's messages published with their ids and
 * all acks awaited, as the bus does), in the same run on the same servers. Prints one JSON line
 * per run (events/s, p50/p99 batch latency) and the bus/raw ratio per replication.
 *
 *   deno task bench:scaleout [--duration=5] [--clients=16] [--batch=50]
 * @module
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { NatsCluster } from "../tests/_nats_server.ts";
import { RunningBus } from "../tests/integration/_bus.ts";

const args = Object.fromEntries(
  Deno.args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")),
);
const DURATION_MS = Number(args.duration ?? 5) * 1000;
const CLIENTS = Number(args.clients ?? 16);
const BATCH = Number(args.batch ?? 50);

interface Run {
  events: number;
  seconds: number;
  latenciesMs: number[];
}

function print(line: unknown): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
}

/** A mod-like event: a money change with a fresh id. */
function modEvent(): Record<string, unknown> {
  return {
    type: "MONEY_CHANGED",
    event_id: crypto.randomUUID(),
    timestamp: Date.now() / 1000,
    version: 1,
    source: "BalatroMCP",
    payload: { old_value: 4, new_value: 9, difference: 5 },
  };
}

/** `clients` loops calling `batch` for the duration; each call is one durable batch. */
async function drive(batch: () => Promise<void>): Promise<Run> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const end = started + DURATION_MS;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await batch();
      latenciesMs.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { events: latenciesMs.length * BATCH, seconds, latenciesMs };
}

function report(label: string, run: Run) {
  const sorted = run.latenciesMs.toSorted((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  const line = {
    run: label,
    eventsPerS: Math.round(run.events / run.seconds),
    batchP50Ms: Number(pct(0.5).toFixed(2)),
    batchP99Ms: Number(pct(0.99).toFixed(2)),
    clients: CLIENTS,
    batch: BATCH,
    note: "measured on a shared, loaded machine",
  };
  print(line);
  return line.eventsPerS;
}

async function throughBus(urls: string[], replicas: number): Promise<Run> {
  const bus = await RunningBus.start([
    "--store=jetstream",
    `--nats-servers=${urls.join(",")}`,
    `--nats-replicas=${replicas}`,
    "--nats-namespace=benchbus",
    "--analytics=false",
  ]);
  try {
    return await drive(async () => {
      const body = JSON.stringify({ events: Array.from({ length: BATCH }, modEvent) });
      const res = await fetch(`${bus.url}/api/v1/events/batch`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`bus answered ${res.status}`);
    });
  } finally {
    await bus.stop();
    await Deno.remove(bus.dataDir, { recursive: true });
  }
}

async function raw(urls: string[], replicas: number): Promise<Run> {
  const nc = await connect({ servers: urls });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: "BENCHRAW",
      subjects: ["benchraw.>"],
      num_replicas: replicas,
      duplicate_window: 300e9,
    });
    const js = jetstream(nc);
    return await drive(async () => {
      const at = String(Date.now());
      await Promise.all(Array.from({ length: BATCH }, () => {
        const ev = modEvent();
        const h = headers();
        h.set("Jimbot-Received-At", at);
        return js.publish("benchraw.game.money", JSON.stringify(ev), {
          msgID: ev.event_id as string,
          headers: h,
        });
      }));
    });
  } finally {
    await nc.close();
  }
}

for (const replicas of [1, 3] as const) {
  await using cluster = await NatsCluster.start(replicas);
  const rawRate = report(`raw jetstream R${replicas}`, await raw(cluster.urls, replicas));
  const busRate = report(`bus jetstream R${replicas}`, await throughBus(cluster.urls, replicas));
  print({
    replicas,
    busOverRaw: Number((busRate / rawRate).toFixed(2)),
    goal: 0.7,
    note: "measured on a shared, loaded machine",
  });
}
