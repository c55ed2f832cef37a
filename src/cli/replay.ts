// The `replay` subcommand: reads a range of a bus's log over the EventBus Subscribe call and
// writes it to stdout as NDJSON (the stored envelopes) or re-publishes it into another bus, at
// the recorded pace, N times faster, or as fast as possible; a progress bar on a terminal. It ends
// at --to or at the head the log had when it started (--follow keeps waiting for new events) and
// says how many events it replayed.

import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  EventBus,
  type StartPosition,
  StartPositionSchema,
} from "../gen/jimbot/bus/v1/event_bus_pb.ts";
import { batchToMessage } from "../proto/mod.ts";
import { readFlags } from "./flags.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import { ReplayVerifier } from "../replay/verify.ts";

const HELP = `Usage: jimbot replay [options]

Replay a range of a bus's event log to stdout (NDJSON, one stored envelope per line) or into
another bus (--publish), over the bus's Connect API.

  --url URL          the bus to read [default: http://127.0.0.1:8080]
  --from WHERE       earliest, latest or an offset (inclusive) [default: earliest]
  --at TIME          start at the first event received at or after TIME (epoch ms or ISO 8601)
  --to OFFSET        stop before this offset, or at the log head if that comes first
                     [default: the log head when the replay starts]
  --follow           keep waiting for new events (up to --to, or until interrupted)
  --topics PATTERNS  comma-separated topic patterns (game.>, *.*.changed) [default: all]
  --speed S          recorded (or 1): the recorded pace; N: N times faster; max: as fast as
                     possible [default: max]
  --publish URL      re-publish into the bus at URL (event_ids kept, so a repeat is idempotent)
  --batch N          events per re-published batch [default: 500]
  --verify           re-score every recorded hand with the engine and check state continuity;
                     prints a JSON report (agreement rate, mismatches); exit code 1 on any
  --quiet            no progress bar

At the end it prints on stderr how many events it replayed or published.

Bearer tokens come from JIMBOT_TOKEN for the bus read (the "read" scope) and
JIMBOT_PUBLISH_TOKEN for the --publish bus (the "ingest" scope; none is needed on loopback);
see docs/security.md in the repository.
`;

interface ReplayArgs {
  url: string;
  start: StartPosition;
  to?: number;
  topics: string[];
  speed: number;
  publish?: string;
  batch: number;
  quiet: boolean;
  follow: boolean;
  verify: boolean;
}

const encoder = new TextEncoder();

/** Runs `replay`; returns the exit code. */
export async function replayCommand(args: string[]): Promise<number> {
  let parsed: ReplayArgs | "help";
  try {
    parsed = parseArgs(args);
  } catch (err) {
    writeErr(`${(err as Error).message} (see replay --help)\n`);
    return 2;
  }
  if (parsed === "help") {
    await writeOut(HELP);
    return 0;
  }
  const opts = parsed;
  // HTTP/1.1: Deno's node:http2 client ends the process with an unhandled "Premature close"
  // after a finished server stream; Connect server streams work over HTTP/1.1 as well.
  const transport = (baseUrl: string, token: string | undefined) => {
    const interceptors: Interceptor[] = token
      ? [(next) => (req) => (req.header.set("authorization", `Bearer ${token}`), next(req))]
      : [];
    return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
  };
  const source = createClient(EventBus, transport(opts.url, Deno.env.get("JIMBOT_TOKEN")));
  const target = opts.publish
    ? createClient(EventBus, transport(opts.publish, Deno.env.get("JIMBOT_PUBLISH_TOKEN")))
    : undefined;
  const head = Number((await source.getOffsets({})).head);
  // Without --follow the replay never waits: it ends at --to or at today's head, whichever is first.
  const end = opts.follow ? opts.to : Math.min(opts.to ?? head, head);
  const startOffset = opts.start.position.case === "offset"
    ? Number(opts.start.position.value)
    : opts.start.position.case === "latest"
    ? head
    : 0;
  const total = end === undefined ? 0 : Math.max(0, end - startOffset);
  const progress = new Progress(total, !opts.quiet && Deno.stderr.isTerminal());
  let pending: JsonObject[] = [];
  const flush = async () => {
    if (!target || pending.length === 0) return;
    await target.publish({ batch: batchToMessage({ events: pending }) });
    pending = [];
  };
  const verifier = opts.verify ? new ReplayVerifier() : undefined;
  let count = 0;
  const stream = end !== undefined && end <= startOffset ? [] : source.subscribe({
    topics: opts.topics,
    start: opts.start,
    endOffset: end === undefined ? undefined : BigInt(end),
    replaySpeed: opts.speed,
    json: true,
    maxBatch: 1_000,
  });
  for await (const res of stream) {
    let out = "";
    for (const d of res.events) {
      const json = d.body.case === "json" ? d.body.value : "";
      if (verifier) verifier.feed(JSON.parse(json));
      else if (target) {
        pending.push(envelopeToEvent(JSON.parse(json)));
        if (pending.length >= opts.batch) await flush();
      } else out += json + "\n";
      count++;
      progress.at(Number(d.offset) - startOffset + 1, count);
    }
    if (opts.speed > 0) await flush(); // paced: publish as the events become due
    if (out) await writeOut(out);
  }
  await flush();
  progress.done();
  const what = target
    ? `published ${count} events into ${opts.publish}`
    : `replayed ${count} events`;
  const stop = end === opts.to ? `--to ${end}` : `the log head (offset ${end})`;
  writeErr(`${what} from ${opts.url}; stopped at ${stop}\n`);
  if (!verifier) return 0;
  const report = verifier.report();
  await writeOut(JSON.stringify(report, null, 2) + "\n");
  return report.ok ? 0 : 1;
}

/** A stored envelope back in the producer's event shape (what ingest takes). */
function envelopeToEvent(env: Record<string, unknown>): JsonObject {
  const ev: Record<string, unknown> = { ...(env.extras as object ?? {}) };
  for (const k of ["type", "subtype", "event_id", "source", "version", "priority"]) {
    if (env[k] !== undefined) ev[k] = env[k];
  }
  if (env.client_timestamp !== undefined) ev.timestamp = env.client_timestamp;
  if (env.payload !== undefined) ev.payload = env.payload;
  return ev as JsonObject;
}

function parseArgs(args: string[]): ReplayArgs | "help" {
  const out: ReplayArgs = {
    url: "http://127.0.0.1:8080",
    start: create(StartPositionSchema, { position: { case: "earliest", value: {} } }),
    topics: [],
    speed: 0,
    batch: 500,
    quiet: false,
    follow: false,
    verify: false,
  };
  const flags = readFlags(args, {
    values: ["url", "publish", "from", "at", "to", "topics", "speed", "batch"],
    booleans: ["quiet", "follow", "verify", "help"],
  }, "replay");
  if (flags.positionals.length > 0) {
    throw new Error(`Cannot replay: unexpected argument "${flags.positionals[0]}"`);
  }
  for (const [flag, value] of flags.values) {
    const name = `--${flag}`;
    switch (flag) {
      case "help":
        return "help";
      case "quiet":
      case "follow":
      case "verify":
        out[flag] = true;
        break;
      case "url":
        out.url = value;
        break;
      case "publish":
        out.publish = value;
        break;
      case "from":
        out.start = create(StartPositionSchema, {
          position: value === "earliest" || value === "latest"
            ? { case: value, value: {} }
            : { case: "offset", value: BigInt(offset(value, name)) },
        });
        break;
      case "at": {
        const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
        if (!Number.isFinite(ms)) {
          throw new Error(`Cannot replay: --at must be epoch ms or ISO 8601: got "${value}"`);
        }
        out.start = create(StartPositionSchema, { position: { case: "timestampMs", value: ms } });
        break;
      }
      case "to":
        out.to = offset(value, name);
        break;
      case "topics":
        out.topics = value.split(",").filter((t) => t);
        break;
      case "speed":
        out.speed = value === "max" ? 0 : value === "recorded" ? 1 : Number(value);
        if (!Number.isFinite(out.speed) || out.speed < 0) {
          throw new Error(
            `Cannot replay: --speed must be recorded, max or a number: got "${value}"`,
          );
        }
        break;
      case "batch":
        out.batch = offset(value, name) || 1;
        break;
    }
  }
  return out;
}

function offset(value: string, name: string): number {
  if (!/^\d+$/.test(value)) {
    throw new Error(`Cannot replay: ${name} must be a non-negative integer: got "${value}"`);
  }
  return Number(value);
}

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
class Progress {
  #last = 0;
  constructor(readonly total: number, readonly enabled: boolean) {}

  at(position: number, count: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const frac = this.total > 0 ? Math.min(1, position / this.total) : 1;
    const width = 30;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    writeErr(`\r[${bar}] ${(frac * 100).toFixed(1)}%  ${count} events`);
  }

  /** Clears the bar; the caller prints the count. */
  done(): void {
    if (this.enabled) writeErr(`\r${" ".repeat(60)}\r`);
  }
}

async function writeOut(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}
