/**
 * Log store benchmark (not part of the tests): appends through the EventLog seam in process, no
 * HTTP, with the ingest bench's event mix (49 small events and one 8 KB GAME_STATE per 50), for
 * the stores taking turns (A B A B …) in one run, so a busy machine's drift hits both alike; the
 * ratio is of the medians. Shows what the store itself costs, apart from the request path.
 *
 *   deno run -A bench/log_store.ts [--seconds=3] [--repeat=3] [--clients=32] [--events=1|50]
 *     [--stores=kv,sqlite]
 * @module
 */
import { type NewEvent, openStorage, type Storage } from "../src/log/mod.ts";
import { FIXTURES } from "../tests/integration/_bus.ts";
import { benchArgs } from "./_args.ts";

const args = benchArgs();
const SECONDS = Number(args.seconds ?? 3);
const REPEAT = Number(args.repeat ?? 3);
const CLIENTS = Number(args.clients ?? 32);
const EVENTS = Number(args.events ?? 50);
const STORES = (args.stores ?? "kv,sqlite").split(",") as ("kv" | "sqlite")[];

const fixtures = ["state_diff_batch.json", "scoring_sequence.json", "round_complete.json"]
  .flatMap((name) => JSON.parse(Deno.readTextFileSync(FIXTURES + name)).events);
const big = fixtures.find((e) => e.type === "GAME_STATE");
const small = fixtures.filter((e) => e.type !== "GAME_STATE");
let counter = 0;

function event(large: boolean): NewEvent {
  const src = large ? big : small[counter % small.length];
  return {
    event_id: `bench-${counter++}`,
    clientEventId: true,
    type: src.type,
    topic: `game.${String(src.type).toLowerCase()}`,
    source: "BalatroMCP",
    version: 1,
    client_timestamp: src.timestamp,
    payload: src.payload,
  };
}

/** CPU seconds of the main thread (its task id is the process id) and of the whole process. */
function cpuSeconds(): { main: number; all: number } {
  const read = (path: string) => {
    const f = Deno.readTextFileSync(path).split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ ticks
  };
  return { main: read(`/proc/self/task/${Deno.pid}/stat`), all: read("/proc/self/stat") };
}

async function run(storage: Storage, commits: { n: number }): Promise<Record<string, number>> {
  // (the bench's own event building is in both figures, alike for every store)
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < end) {
      // One GAME_STATE per request of 50, one in ten single events: as bench/ingest.ts.
      const events = Array.from(
        { length: EVENTS },
        (_, i) => event(EVENTS === 1 ? counter % 10 === 0 : i === EVENTS - 1),
      );
      const t = performance.now();
      await storage.log.append({ events, deadLetters: [] });
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  const load = Deno.loadavg()[0];
  const cpu0 = cpuSeconds();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = cpuSeconds();
  const events = latencies.length * EVENTS;
  const committed = commits.n;
  latencies.sort((a, b) => a - b);
  return {
    events_per_s: Math.round(events / seconds),
    events_per_commit: Math.round(events / Math.max(1, committed)),
    // CPU time is what a busy machine distorts least: the event loop's and the whole process's.
    main_thread_cpu_us_per_event: Number(((cpu1.main - cpu0.main) * 1e6 / events).toFixed(2)),
    process_cpu_us_per_event: Number(((cpu1.all - cpu0.all) * 1e6 / events).toFixed(2)),
    p50_ms: Number(latencies[Math.floor(latencies.length * 0.5)].toFixed(2)),
    p99_ms: Number(latencies[Math.floor(latencies.length * 0.99)].toFixed(2)),
    load_average_1m: load,
  };
}

const rates = new Map<string, number[]>(STORES.map((s) => [s, []]));
const print = (line: unknown) =>
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
for (let round = 0; round < REPEAT; round++) {
  for (const store of STORES) {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-log-bench-" });
    const commits = { n: 0 };
    try {
      await using storage = await openStorage(store, dir, {
        retention: {
          maxAgeMs: 0,
          maxEvents: 0,
          dedupeWindowMs: 86_400_000,
          dedupeMaxIds: 2_000_000,
        },
        maxPendingEvents: 1_000_000,
        observer: { committed: () => commits.n++ },
      });
      const r = await run(storage, commits);
      rates.get(store)!.push(r.events_per_s);
      print({
        bench: "log store append",
        store,
        clients: CLIENTS,
        events_per_append: EVENTS,
        ...r,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (STORES.length > 1) {
  const [base, ...others] = STORES;
  print({
    bench: "log store ratio (medians)",
    events_per_append: EVENTS,
    [`over_${base}`]: Object.fromEntries(
      others.map((s) => [s, Number((median(rates.get(s)!) / median(rates.get(base)!)).toFixed(3))]),
    ),
    machine: { cores: navigator.hardwareConcurrency, load_average_1m: Deno.loadavg()[0] },
  });
}
