/**
 * Lua client benchmark (not part of the tests): the mod's drop-in client (luajit, the game's
 * runtime; `--lua=lua5.4` for the other) sends the mod's event mix to a real bus over REST+JSON,
 * WS+JSON and WS+protobuf, at the mod's real rate (one 3-event batch a second while playing)
 * and at 10x, with the game's 60 frames a second. Per run: per-batch ack latency p50/p99 (from
 * the batch being formed to its ack being read, so frame-quantised; the first two batches of a
 * run, which pay for connecting and for LuaJIT's warm-up, are left out), bytes on the wire per event
 * (both directions, handshakes and HTTP headers included), and Lua CPU per frame p99. A last
 * set of runs polls every 1 ms instead of every frame, to show the transports' own latency.
 * Prints a Markdown table.
 *
 *   deno task bench:lua [--duration=15] [--lua=luajit]
 * @module
 */
import { startBus } from "../tests/integration/_bus.ts";
import { quantile, runSession, type SessionResult } from "../tests/lua/_lua.ts";

const args = Object.fromEntries(
  Deno.args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")),
);
const DURATION_S = Number(args.duration ?? 15);
const LUA = args.lua ?? "luajit";

const TRANSPORTS = [
  ["REST+JSON", "rest", "json"],
  ["WS+JSON", "websocket", "json"],
  ["WS+protobuf", "websocket", "protobuf"],
] as const;
const RATES = [
  ["mod rate (1 batch/s)", 1],
  ["10x (10 batches/s)", 0.1],
] as const;
const FRAMES = [["60 fps", 1 / 60], ["1 ms polling", 0.001]] as const;

/** Batches at the start of a run that include connecting and JIT warm-up. */
const WARM_UP_BATCHES = 2;

function row(label: string, rate: string, frames: string, r: SessionResult): string {
  const events = r.acked_ids.length;
  const latencies = r.ack_latencies_ms.slice(WARM_UP_BATCHES);
  const bytes = (r.stats.bytes_sent + r.stats.bytes_received) / Math.max(1, events);
  const cpu = r.frames.map(([, ms]) => ms);
  const cells = [
    label,
    rate,
    frames,
    String(latencies.length),
    quantile(latencies, 0.5).toFixed(1),
    quantile(latencies, 0.99).toFixed(1),
    bytes.toFixed(0),
    quantile(cpu, 0.99).toFixed(3),
  ];
  return `| ${cells.join(" | ")} |`;
}

if (import.meta.main) {
  await using bus = await startBus();
  const lines = [
    `Lua client (${LUA}) against the bus on loopback, ${DURATION_S} s per run; measured on a ` +
    "shared, loaded machine (2 cores, several jobs running at once).",
    "",
    "| transport | rate | polling | batches | ack p50 ms | ack p99 ms | bytes/event | Lua CPU/frame p99 ms |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [frameLabel, frameS] of FRAMES) {
    for (const [rateLabel, interval] of RATES) {
      if (frameS < 1 / 60 && interval > 0.1) continue; // 1 ms polling: 10x only
      for (const [label, transport, encoding] of TRANSPORTS) {
        const r = await runSession(LUA, {
          url: `${bus.url}/api/v1/events`,
          transport,
          encoding,
          duration_s: DURATION_S,
          drain_s: 10,
          batch_interval_s: interval,
          events_per_batch: 3,
          frame_s: frameS,
        });
        lines.push(row(label, rateLabel, frameLabel, r));
      }
    }
  }
  Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
}
