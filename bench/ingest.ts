/**
 * Ingest benchmark (not part of the tests): wrk drives the real bus on loopback with realistic
 * mod events as single events (change events, heartbeats, scoring; one 8 KB GAME_STATE in ten)
 * and as 50-event batches (49 small events and one GAME_STATE: the mod keeps at most one GAME_STATE
 * per batch) at fixed concurrency, and the same single-event load against a do-nothing
 * Deno.serve JSON handler, all in one run, so ratios hold on a busy machine. Each log store is
 * measured side by side. Prints one JSON line per run: events/s, p50/p99 latency, the bus's peak
 * RSS and CPU, the ratio to the baseline measured in the same run, the CPU share of the load
 * generator (wrk) and the machine (cores, model, load average).
 *
 *   deno task bench:ingest [--duration=10] [--connections=32] [--stores=kv,sqlite]
 *     [--modes=single,batch] [--repeat=1]  (stores take turns; the ratio is of the medians)
 *     [--cpu-prof=DIR]      the bus writes a V8 CPU profile per run to DIR (summary:
 *                           deno run -A bench/profile_top.ts DIR/<store>-<mode>.cpuprofile)
 *     [--v8-flags=A,B]      V8 flags for the bus (default: those of `deno task start`)
 *     [--bus-args="--analytics=false …"]  extra bus options (what a feature costs)
 *     [--gate=on|off|both]  the connection gate in front of Deno.serve (on, the default, as
 *                           the bus runs; both: each run also without it, to see its cost)
 * @module
 */
import { FIXTURES, RunningBus } from "../tests/integration/_bus.ts";
import { benchArgs } from "./_args.ts";

const args = benchArgs();
const DURATION_S = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 32);
const STORES = (args.stores ?? "kv,sqlite").split(",");
const MODES = (args.modes ?? "single,batch").split(",") as Mode[];
const REPEAT = Number(args.repeat ?? 1);
const PROFILE_DIR: string | undefined = args["cpu-prof"];
/** As shipped (the start task's V8 flags) unless given; `--v8-flags=` measures V8's defaults. */
const V8_FLAGS: string | undefined = args["v8-flags"] ?? shippedV8Flags();
const BUS_ARGS: string[] = args["bus-args"]?.split(" ").filter(Boolean) ?? [];
const GATES: boolean[] = { on: [true], off: [false], both: [true, false] }[args.gate ?? "on"] ??
  [true];

interface WrkResult {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  /** CPU seconds wrk used (user + system). */
  cpuS: number;
}

/** Event templates from the fixtures, with the event_id replaced by a placeholder. */
function templates(): { small: string[]; gameState: string } {
  const small: string[] = [];
  let gameState = "";
  for (
    const name of [
      "state_diff_batch.json",
      "scoring_sequence.json",
      "heartbeat_batch.json",
      "round_complete.json",
    ]
  ) {
    const batch = JSON.parse(Deno.readTextFileSync(FIXTURES + name));
    for (const ev of batch.events) {
      const text = JSON.stringify({ ...ev, event_id: "__ID__" });
      if (ev.type === "GAME_STATE") gameState = text;
      else small.push(text);
    }
  }
  return { small, gameState };
}

export function wrkScript(mode: "single" | "batch"): string {
  const { small, gameState } = templates();
  const lua = (s: string) => "[==[" + s + "]==]";
  return `
local small = { ${small.map(lua).join(",\n")} }
local big = ${lua(gameState)}
local mode = "${mode}"
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local function event(n, large)
  local t = large and big or small[(n % #small) + 1]
  return (string.gsub(t, "__ID__", "bench-" .. tid .. "-" .. n, 1))
end
function request()
  if mode == "single" then
    counter = counter + 1
    return wrk.format("POST", "/api/v1/events", nil, event(counter, counter % 10 == 0))
  end
  local parts = {}
  for i = 1, 50 do
    counter = counter + 1
    parts[i] = event(counter, i == 50)
  end
  local body = '{"batch_id":"b-' .. tid .. '-' .. counter .. '","source":"BalatroMCP","timestamp":1764489600000,"events":[' .. table.concat(parts, ",") .. "]}"
  return wrk.format("POST", "/api/v1/events/batch", nil, body)
end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "BalatroMCP/1.0"
`;
}

/** The V8 flags `deno task start` runs the bus with (deno.json). */
function shippedV8Flags(): string | undefined {
  const manifest = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));
  return /--v8-flags=(\S+)/.exec(manifest.tasks.start)?.[1];
}

async function runWrk(url: string, script: string): Promise<WrkResult> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-bench-" });
  const path = `${dir}/load.lua`;
  await Deno.writeTextFile(path, script);
  // The shell reports its waited-for children's CPU time (fields 16 and 17 of /proc/self/stat).
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      'wrk "$@" && echo "wrk-cpu-ticks $(cut -d" " -f16,17 /proc/$$/stat)"',
      "sh",
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${DURATION_S}s`,
      "--latency",
      "-s",
      path,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const ms = (pct: string) => {
    const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    if (!m) return NaN;
    return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]];
  };
  const ticks = /wrk-cpu-ticks (\d+) (\d+)/.exec(text);
  return {
    requestsPerS: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: ms("50"),
    p99Ms: ms("99"),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    cpuS: ticks ? (Number(ticks[1]) + Number(ticks[2])) / CLOCK_TICKS : NaN,
  };
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;

function peakRssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** CPU seconds (user + system) a process (or one of its threads) has used so far. */
function cpuSeconds(pid: number, thread?: number): number {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const fields = Deno.readTextFileSync(path).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** What the figures were measured on: a busy machine shrinks them, ratios less so. */
function machine(): Record<string, unknown> {
  const cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1];
  return {
    cores: navigator.hardwareConcurrency,
    cpu,
    load_average_1m: Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]),
    deno: Deno.version.deno,
  };
}

const share = (cpuS: number) => Number((cpuS / DURATION_S).toFixed(2));

function report(
  name: string,
  r: WrkResult,
  eventsPerRequest: number,
  extra: Record<string, unknown>,
) {
  const line = {
    bench: name,
    connections: CONNECTIONS,
    duration_s: DURATION_S,
    events_per_s: Math.round(r.requestsPerS * eventsPerRequest),
    requests_per_s: Math.round(r.requestsPerS),
    p50_ms: r.p50Ms,
    p99_ms: r.p99Ms,
    non_2xx: r.non2xx,
    wrk_cpu_cores: share(r.cpuS),
    ...extra,
    machine: machine(),
  };
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
  return line;
}

type Mode = "single" | "batch";

async function benchBus(
  store: string,
  mode: Mode,
  baseline: WrkResult,
  gate = true,
): Promise<WrkResult> {
  const name = `${store}-${mode}${gate ? "" : "-nogate"}`;
  const denoFlags = [
    ...PROFILE_DIR
      ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [],
    ...V8_FLAGS ? [`--v8-flags=${V8_FLAGS}`] : [],
  ];
  await using bus = await RunningBus.start([
    "--log-level=info",
    `--log-store=${store}`,
    `--connection-gate=${gate}`,
    ...BUS_ARGS,
  ], { denoFlags });
  const cpuBefore = cpuSeconds(bus.pid);
  const mainBefore = cpuSeconds(bus.pid, bus.pid);
  const r = await runWrk(bus.url, wrkScript(mode));
  const busCpu = cpuSeconds(bus.pid) - cpuBefore;
  const mainCpu = cpuSeconds(bus.pid, bus.pid) - mainBefore;
  const rss = peakRssMb(bus.pid);
  const head = (await bus.get("/health")).json.log_head;
  if (PROFILE_DIR) await bus.stop("SIGTERM"); // the profile is written on a clean exit only
  const perRequest = mode === "single" ? 1 : 50;
  const ratio = (r.requestsPerS * perRequest) / baseline.requestsPerS;
  report(`ingest ${mode === "single" ? "single events" : "50-event batches"}`, r, perRequest, {
    log_store: store,
    connection_gate: gate,
    events_per_s_over_baseline_requests_per_s: Number(ratio.toFixed(3)),
    peak_rss_mb: Math.round(rss),
    bus_cpu_cores: share(busCpu),
    // The JavaScript thread: at 1.0 it is the bound, whatever the other cores do.
    bus_main_thread_cores: share(mainCpu),
    main_thread_us_per_request: Math.round((mainCpu * 1e6) / r.requests),
    v8_flags: V8_FLAGS ?? null,
    features: "defaults (analytics projection on) except live advice (off, as in the tests)",
    bus_args: BUS_ARGS,
    stored_events: head,
    target: mode === "single"
      ? "≥ 0.40 of the baseline, p99 ≤ 5 ms, RSS ≤ 150 MB"
      : "≥ 150,000 events/s (≥ 2.2 × the baseline request rate)",
  });
  return r;
}

async function benchBaseline(): Promise<WrkResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_noop_server.ts", import.meta.url).pathname],
    stderr: "piped",
    stdout: "null",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("\n")) buffered += (await reader.read()).value ?? "";
  const port = JSON.parse(buffered.split("\n")[0]).port;
  try {
    const cpuBefore = cpuSeconds(child.pid);
    const r = await runWrk(`http://127.0.0.1:${port}`, wrkScript("single"));
    report("baseline: do-nothing Deno.serve JSON handler", r, 1, {
      server_cpu_cores: share(cpuSeconds(child.pid) - cpuBefore),
    });
    return r;
  } finally {
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stderr.cancel().catch(() => {});
  }
}

if (import.meta.main) {
  // The baseline first and every store in turn, in one run: compare the ratios, not the rates.
  const baseline = await benchBaseline();
  for (const mode of MODES) {
    // Stores take turns (A B A B …) so that the machine's drift hits each alike.
    const rates = new Map<string, number[]>(STORES.map((s) => [s, []]));
    for (let round = 0; round < REPEAT; round++) {
      for (const store of STORES) {
        for (const [i, gate] of GATES.entries()) {
          const r = await benchBus(store, mode, baseline, gate);
          if (i === 0) rates.get(store)!.push(r.requestsPerS);
        }
      }
    }
    if (STORES.length > 1) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const [first, ...others] = STORES;
      const line = {
        bench: `log stores compared (${mode}, medians of ${REPEAT})`,
        [`rate_over_${first}`]: Object.fromEntries(
          others.map((s) => [
            s,
            Number((median(rates.get(s)!) / median(rates.get(first)!)).toFixed(3)),
          ]),
        ),
      };
      Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
    }
  }
}
