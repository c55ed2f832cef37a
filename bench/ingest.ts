/**
 * Ingest benchmark (not part of the tests): wrk drives the real bus on loopback with realistic
 * mod events as single events (change events, heartbeats, scoring; one 8 KB GAME_STATE in ten)
 * and as 50-event batches (49 small events and one GAME_STATE: the mod keeps at most one GAME_STATE
 * per batch) at fixed concurrency, and the same single-event load against a do-nothing
 * Deno.serve JSON handler. Prints events/s, p50/p99 latency and the bus's peak RSS, one JSON line
 * per run with the design target (docs/design.md#targets) beside it.
 *
 *   deno task bench:ingest [--duration=10] [--connections=32]
 * @module
 */
import { parseArgs } from "node:util";
import { FIXTURES, RunningBus } from "../tests/integration/_bus.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
  },
});
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);

interface WrkResult {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
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

async function runWrk(url: string, script: string): Promise<WrkResult> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-bench-" });
  const path = `${dir}/load.lua`;
  await Deno.writeTextFile(path, script);
  const out = await new Deno.Command("wrk", {
    args: ["-t1", `-c${CONNECTIONS}`, `-d${DURATION_S}s`, "--latency", "-s", path, url],
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
  return {
    requestsPerS: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: ms("50"),
    p99Ms: ms("99"),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
  };
}

function peakRssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

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
    ...extra,
  };
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
  return line;
}

async function benchBus(mode: "single" | "batch"): Promise<WrkResult> {
  await using bus = await RunningBus.start(["--log-level=info"]);
  const r = await runWrk(bus.url, wrkScript(mode));
  const rss = peakRssMb(bus.pid);
  const head = (await bus.get("/health")).json.log_head;
  const perRequest = mode === "single" ? 1 : 50;
  report(`ingest ${mode === "single" ? "single events" : "50-event batches"}`, r, perRequest, {
    peak_rss_mb: Math.round(rss),
    features: "defaults (analytics projection on) except live advice (off, as in the tests)",
    stored_events: head,
    target: mode === "single"
      ? "≥ 25,000 events/s, p99 ≤ 5 ms, RSS ≤ 150 MB"
      : "≥ 150,000 events/s",
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
    return await runWrk(`http://127.0.0.1:${port}`, wrkScript("single"));
  } finally {
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stderr.cancel().catch(() => {});
  }
}

if (import.meta.main) {
  const single = await benchBus("single");
  await benchBus("batch");
  const baseline = await benchBaseline();
  report("baseline: do-nothing Deno.serve JSON handler", baseline, 1, {
    bus_fraction_of_baseline: Number((single.requestsPerS / baseline.requestsPerS).toFixed(3)),
    target: "bus ≥ 40 % of the baseline request rate",
  });
}
