// The `replay` subcommand: reads a range of a bus's log over the EventBus Subscribe call and
// writes it to stdout as NDJSON (the stored envelopes) or re-publishes it into another bus, at
// the recorded pace, N times faster, or as fast as possible; a progress bar on a terminal.

import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  EventBus,
  type StartPosition,
  StartPositionSchema,
} from "../gen/jimbot/bus/v1/event_bus_pb.ts";
import { batchToMessage } from "../proto/mod.ts";
import type { JsonObject } from "@bufbuild/protobuf";

const HELP = `Usage: main.ts replay [options]

Replay a range of a bus's event log to stdout (NDJSON, one stored envelope per line) or into
another bus (--publish), over the bus's Connect API.

  --url URL          the bus to read [default: http://127.0.0.1:8080]
  --from WHERE       earliest, latest or an offset (inclusive) [default: earliest]
  --at TIME          start at the first event received at or after TIME (epoch ms or ISO 8601)
  --to OFFSET        stop before this offset [default: the log head when the replay starts]
  --topics PATTERNS  comma-separated topic patterns (game.>, *.*.changed) [default: all]
  --speed S          recorded (or 1): the recorded pace; N: N times faster; max: as fast as
                     possible [default: max]
  --publish URL      re-publish into the bus at URL (event_ids kept, so a repeat is idempotent)
  --batch N          events per re-published batch [default: 500]
  --quiet            no progress bar

Bearer tokens come from JIMBOT_TOKEN for the bus read (the "read" scope) and
JIMBOT_PUBLISH_TOKEN for the --publish bus (the "ingest" scope; none is needed on loopback);
see docs/security.md.
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
  const { head } = await source.getOffsets({});
  const end = opts.to ?? Number(head);
  const startOffset = opts.start.position.case === "offset" ? Number(opts.start.position.value) : 0;
  const total = Math.max(0, end - startOffset);
  const progress = new Progress(total, !opts.quiet && Deno.stderr.isTerminal());
  let pending: JsonObject[] = [];
  const flush = async () => {
    if (!target || pending.length === 0) return;
    await target.publish({ batch: batchToMessage({ events: pending }) });
    pending = [];
  };
  let count = 0;
  const stream = source.subscribe({
    topics: opts.topics,
    start: opts.start,
    endOffset: BigInt(end),
    replaySpeed: opts.speed,
    json: true,
    maxBatch: 1_000,
  });
  for await (const res of stream) {
    let out = "";
    for (const d of res.events) {
      const json = d.body.case === "json" ? d.body.value : "";
      if (target) {
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
  progress.done(count);
  return 0;
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
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--quiet") {
      out.quiet = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`Cannot replay: ${name} needs a value`);
    switch (name) {
      case "--url":
        out.url = value;
        break;
      case "--publish":
        out.publish = value;
        break;
      case "--from":
        out.start = create(StartPositionSchema, {
          position: value === "earliest" || value === "latest"
            ? { case: value, value: {} }
            : { case: "offset", value: BigInt(offset(value, name)) },
        });
        break;
      case "--at": {
        const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
        if (!Number.isFinite(ms)) {
          throw new Error(`Cannot replay: --at must be epoch ms or ISO 8601: got "${value}"`);
        }
        out.start = create(StartPositionSchema, { position: { case: "timestampMs", value: ms } });
        break;
      }
      case "--to":
        out.to = offset(value, name);
        break;
      case "--topics":
        out.topics = value.split(",").filter((t) => t);
        break;
      case "--speed":
        out.speed = value === "max" ? 0 : value === "recorded" ? 1 : Number(value);
        if (!Number.isFinite(out.speed) || out.speed < 0) {
          throw new Error(
            `Cannot replay: --speed must be recorded, max or a number: got "${value}"`,
          );
        }
        break;
      case "--batch":
        out.batch = offset(value, name) || 1;
        break;
      default:
        throw new Error(`Cannot replay: unknown option "${name}"`);
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

  done(count: number): void {
    if (this.enabled) writeErr(`\r${" ".repeat(60)}\r${count} events replayed\n`);
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
