/**
 * Streaming benchmark (not part of the tests), against the real bus on loopback:
 *  1. publish-ack → subscriber receipt latency at a fixed rate (default 10,000 events/s, Publish
 *     over Connect h2c in batches of 10, one live subscriber over Connect h2c in its own process,
 *     bench/_stream_receiver.ts, so the publisher's client work does not delay receipts);
 *  2. catch-up delivery rate from the log to 1 and to 10 subscribers (200,000 stored events).
 * (--batch=N events per Publish). Prints one JSON line per figure with the design target
 * (docs/design.md#targets) beside it.
 *
 *   deno task bench:stream [--rate=10000] [--seconds=5] [--backlog=200000] [--batch=10]
 *                          [--all-features]
 * @module
 */
import { parseArgs } from "node:util";
import { RunningBus } from "../tests/integration/_bus.ts";
import { type BusClient, connectClient, EARLIEST } from "../tests/integration/_stream_client.ts";
import { batchToMessage } from "../src/proto/mod.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "10000" },
    seconds: { type: "string", default: "5" },
    backlog: { type: "string", default: "200000" },
    batch: { type: "string", default: "10" },
    "all-features": { type: "boolean", default: false },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const BACKLOG = Number(args.backlog);
const BATCH = Number(args.batch);
const RECEIVER = new URL("./_stream_receiver.ts", import.meta.url).pathname;

function report(figure: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(figure) + "\n"));
}

function pct(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] * 100) /
    100;
}

function event(i: number) {
  return {
    type: "SCORE_CHANGED",
    event_id: `bench-${i}`,
    source: "bench",
    timestamp: i,
    payload: { old_score: i, new_score: i + 1, chips: 30, mult: 4 },
  };
}

async function latency(bus: RunningBus): Promise<void> {
  const client = connectClient(bus);
  const total = RATE * SECONDS;
  const sentAt = new Float64Array(total);
  const ackAt = new Float64Array(total);
  const now = () => performance.timeOrigin + performance.now();
  const receiver = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RECEIVER, String(bus.port), String(total), bus.token],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = receiver.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready\n")) out += (await lines.read()).value ?? "";
  out = out.slice(out.indexOf("ready\n") + 6);
  const started = performance.now();
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    while (sent < due) {
      const first = sent;
      const n = Math.min(BATCH, total - sent);
      const events = Array.from({ length: n }, (_, k) => event(first + k));
      const t = now();
      for (let k = 0; k < n; k++) sentAt[first + k] = t;
      sent += n;
      const p = client.publish({ batch: batchToMessage({ events }) }).then(() => {
        const a = now();
        for (let k = 0; k < n; k++) ackAt[first + k] = a;
      });
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  await receiver.status;
  const gotAt: number[] = JSON.parse(out);
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  const sendToAck: number[] = [];
  let received = 0;
  for (let i = 0; i < total; i++) {
    sendToAck.push(ackAt[i] - sentAt[i]);
    if (gotAt[i] === 0) continue;
    received++;
    fromSend.push(gotAt[i] - sentAt[i]);
    fromAck.push(Math.max(0, gotAt[i] - ackAt[i]));
  }
  for (const list of [fromSend, fromAck, sendToAck]) list.sort((a, b) => a - b);
  report({
    bench: "publish→receipt latency",
    rateEventsPerS: Math.round(total / elapsed),
    eventsPerPublish: BATCH,
    events: total,
    received,
    ackToReceiptP50Ms: pct(fromAck, 0.5),
    ackToReceiptP99Ms: pct(fromAck, 0.99),
    sendToReceiptP50Ms: pct(fromSend, 0.5),
    sendToReceiptP99Ms: pct(fromSend, 0.99),
    publishAckP50Ms: pct(sendToAck, 0.5),
    publishAckP99Ms: pct(sendToAck, 0.99),
    target: "p99 ≤ 10 ms at 10,000 events/s",
  });
}

async function fill(bus: RunningBus): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < BACKLOG) {
      const base = next;
      next += 1_000;
      const events = Array.from(
        { length: Math.min(1_000, BACKLOG - base) },
        (_, k) => event(1_000_000 + base + k),
      );
      const res = await fetch(`${bus.url}/api/v1/events/batch`, {
        method: "POST",
        body: JSON.stringify({ events }),
        headers: { "content-type": "application/json" },
      });
      await res.text();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function drain(client: BusClient, count: number, json: boolean): Promise<void> {
  let got = 0;
  const ac = new AbortController();
  const stream = client.subscribe({ start: EARLIEST, json, maxBatch: 1_000 }, {
    signal: ac.signal,
  });
  for await (const res of stream) {
    got += res.events.length;
    if (got >= count) break;
  }
  ac.abort();
}

async function catchUp(bus: RunningBus): Promise<void> {
  await fill(bus);
  const count = BACKLOG;
  for (const [subscribers, json] of [[1, true], [1, false], [10, true]] as const) {
    const clients = Array.from({ length: subscribers }, () => connectClient(bus));
    const started = performance.now();
    await Promise.all(clients.map((c) => drain(c, count, json)));
    const seconds = (performance.now() - started) / 1000;
    report({
      bench: "catch-up delivery",
      subscribers,
      format: json ? "json" : "typed Envelope",
      eventsEach: count,
      eventsPerSPerSubscriber: Math.round(count / seconds),
      eventsPerSTotal: Math.round((count * subscribers) / seconds),
      target: "≥ 100,000 events/s to one subscriber",
    });
  }
}

// The streaming path alone by default: the analytics projection and live advice run in the same
// process and cost CPU per event (--all-features keeps them on).
const bus = await RunningBus.start(
  args["all-features"] ? [] : ["--analytics=false", "--live-advice=false"],
);
try {
  await latency(bus);
  await catchUp(bus);
  const status = Deno.readTextFileSync(`/proc/${bus.pid}/status`);
  report({ bench: "bus RSS at end", rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) >> 10 });
} finally {
  await bus[Symbol.asyncDispose]();
}
