// Backpressure without loss: stalled subscribers cost the bus bounded memory and producers
// nothing; they then catch up from the log and get every event once, in order. Also fifty
// concurrent subscribers.
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type RunningBus, startBus } from "./_bus.ts";
import { collect, connectClient, EARLIEST, modEvent, publish } from "./_stream_client.ts";
import {
  type StreamRequest,
  StreamRequestSchema,
  SubscribeRequestSchema,
} from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";

const TOTAL = 200_000;
const BATCH = 1_000;

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** REST batches, 4 in flight; returns events/s of each quarter of the run. */
async function publishAll(bus: RunningBus, onProgress: () => void): Promise<number[]> {
  const bodies = (b: number) =>
    JSON.stringify({
      batch_id: `b${b}`,
      events: Array.from({ length: BATCH }, (_, i) => ({
        type: "HEARTBEAT",
        event_id: `e${b * BATCH + i}`,
        timestamp: b * BATCH + i,
        payload: { n: b * BATCH + i },
      })),
    });
  const quarters: number[] = [];
  let next = 0;
  let quarterStart = performance.now();
  const batches = TOTAL / BATCH;
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const res = await fetch(`${bus.url}/api/v1/events/batch`, {
        method: "POST",
        body: bodies(b),
        headers: { "content-type": "application/json" },
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      if ((b + 1) % (batches / 4) === 0) {
        const now = performance.now();
        quarters.push(Math.round((TOTAL / 4) / ((now - quarterStart) / 1000)));
        quarterStart = now;
      }
      onProgress();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return quarters;
}

/** Peak RSS growth (MB) of a bus taking the same load with nobody subscribed: the baseline. */
async function unsubscribedGrowth(): Promise<number> {
  await using bus = await startBus();
  const start = rssMb(bus.pid);
  let peak = start;
  let calls = 0;
  await publishAll(bus, () => {
    if (++calls % 20 === 0) peak = Math.max(peak, rssMb(bus.pid));
  });
  return Math.max(peak, rssMb(bus.pid)) - start;
}

Deno.test("stalled subscribers: 200,000 events published at full rate, bounded memory, then every event once in order", async () => {
  // V8 lets the heap grow under this rate whoever listens; what subscribers add is compared.
  const baseline = await unsubscribedGrowth();
  await using bus = await startBus();
  const client = connectClient(bus);
  const rssStart = rssMb(bus.pid);

  // 1. A server stream that is never read (HTTP/2 flow control stalls it).
  const stalledAc = new AbortController();
  const stalled = client.subscribe(
    create(SubscribeRequestSchema, { start: EARLIEST, json: true, maxBatch: 1000 }),
    { signal: stalledAc.signal },
  )[Symbol.asyncIterator]();
  const firstBatch = stalled.next(); // opens the call; nothing is read after the first message
  firstBatch.catch(() => {}); // awaited below; a failure there fails the test

  // 2. A Stream call with 100 credits and no more until the publishing is over.
  const outbox: StreamRequest[] = [];
  let push: (() => void) | null = null;
  const send = (r: StreamRequest) => {
    outbox.push(r);
    push?.();
  };
  const streamAc = new AbortController();
  async function* requests(): AsyncIterable<StreamRequest> {
    while (!streamAc.signal.aborted) {
      const r = outbox.shift();
      if (r) yield r;
      else await new Promise<void>((resolve) => push = resolve);
    }
  }
  send(create(StreamRequestSchema, {
    kind: {
      case: "subscribe",
      value: {
        subscription: { start: EARLIEST, json: true, group: "slow", maxBatch: 1000 },
        initialCredits: 100,
      },
    },
  }));
  const responses = client.stream(requests(), { signal: streamAc.signal })[Symbol.asyncIterator]();

  let rssPeak = rssStart;
  let calls = 0;
  const quarters = await publishAll(bus, () => {
    if (++calls % 20 === 0) rssPeak = Math.max(rssPeak, rssMb(bus.pid));
  });
  rssPeak = Math.max(rssPeak, rssMb(bus.pid));
  const metrics = (await bus.get("/metrics")).text;
  assert.match(metrics, /jimbot_stream_subscribers\{protocol="connect"\} 2/);

  // Producers kept their rate: the last quarter is not much slower than the first.
  assert.ok(
    quarters[3] >= quarters[0] * 0.5,
    `publish rate fell from ${quarters[0]} to ${quarters[3]} events/s`,
  );
  // Memory bounded: the bus did not buffer the backlog for the stalled subscribers (the backlog
  // as envelopes would be well over 100 MB more than the same load unsubscribed).
  assert.ok(
    rssPeak - rssStart < baseline + 100,
    `RSS grew from ${rssStart} to ${rssPeak} MB; ${baseline.toFixed(0)} MB with nobody subscribed`,
  );

  // 3. The server stream catches up: every event once, in order.
  let expected = 0;
  let r = await firstBatch;
  while (!r.done) {
    for (const d of r.value.events) assert.equal(Number(d.offset), expected++);
    if (expected === TOTAL) break;
    r = await stalled.next();
  }
  assert.equal(expected, TOTAL);
  stalledAc.abort();

  // 4. The Stream call: exactly 100 events arrived; credits and acks bring the rest.
  let streamed = 0;
  let granted = 100;
  while (streamed < TOTAL) {
    const res = await responses.next();
    assert.ok(!res.done);
    if (res.value.kind.case !== "events") continue;
    for (const d of res.value.kind.value.events) assert.equal(Number(d.offset), streamed++);
    assert.ok(streamed <= granted, `got ${streamed} events with ${granted} credits`);
    if (streamed === granted) {
      send(create(StreamRequestSchema, { kind: { case: "ack", value: BigInt(streamed - 1) } }));
      const more = Math.min(5_000, TOTAL - granted);
      if (more > 0) {
        granted += more;
        send(create(StreamRequestSchema, { kind: { case: "credit", value: more } }));
      }
    }
  }
  streamAc.abort();
  const offsets = await client.getOffsets({ groups: ["slow"] });
  assert.ok(offsets.groups[0].committed >= BigInt(TOTAL - 5_001));
  const figures = {
    quarters,
    rssStartMb: Math.round(rssStart),
    rssPeakMb: Math.round(rssPeak),
    unsubscribedGrowthMb: Math.round(baseline),
  };
  Deno.stderr.writeSync(new TextEncoder().encode(JSON.stringify(figures) + "\n"));
});

Deno.test("fifty concurrent subscribers each get their topics in order", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  const patterns = ["game.>", "system.heartbeat", "*.*.changed", "game.hand.played", ">"];
  const types = ["HEARTBEAT", "MONEY_CHANGED", "HAND_PLAYED", "ERROR"];
  const events = Array.from({ length: 2_000 }, (_, i) => modEvent(types[i % 4], i));
  const topicOf = ["system.heartbeat", "game.money.changed", "game.hand.played", "system.error"];
  const matches = (p: string, t: string) =>
    p === ">" || (p === "game.>" && t.startsWith("game.")) || p === t ||
    (p === "*.*.changed" && t.endsWith(".changed") && t.split(".").length === 3);
  const want = patterns.map((p) => events.filter((_, i) => matches(p, topicOf[i % 4])).length);
  const subs = Array.from({ length: 50 }, (_, i) => {
    const p = patterns[i % patterns.length];
    return collect(client, { start: EARLIEST, topics: [p], json: i % 2 === 0 }, want[i % 5]);
  });
  for (let i = 0; i < events.length; i += 100) await publish(client, events.slice(i, i + 100));
  const got = await Promise.all(subs);
  got.forEach((deliveries, i) => {
    const p = patterns[i % patterns.length];
    assert.equal(deliveries.length, want[i % 5], `subscriber ${i} (${p})`);
    const offsets = deliveries.map((d) => Number(d.offset));
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.ok(deliveries.every((d) => matches(p, d.topic)));
  });
});
