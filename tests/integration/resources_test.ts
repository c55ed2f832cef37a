// Connection and memory bounds against the real bus: thousands of idle connections under a low
// open-file limit (capped per address, closed at the header timeout), a flood of 15 MB bodies, per-client rates, stream caps and in-flight caps.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import { StreamRequestSchema } from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";
import { startBus } from "./_bus.ts";
import { grpcClient } from "./_stream_client.ts";

const IDLE = 2_000;
/** The default --max-connections-per-address; the test's connections all come from 127.0.0.1. */
const PER_ADDRESS = 256;
const HEADER_TIMEOUT_S = 3;
const BATCH = "/api/v1/events/batch";
/** The test itself holds IDLE sockets: its own soft limit (Deno raises it to the hard one). */
const ownLimit = Number(
  new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "ulimit -Sn"], stdout: "piped" }).output()).stdout,
  ),
);
const canOpenIdle = ownLimit >= IDLE + 200;

/** Peak resident memory of a process (VmHWM), MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

Deno.test(
  `${IDLE} idle connections under a soft open-file limit of 1,024: those over the per-address cap are refused, slow headers are closed, other clients are answered`,
  {
    ignore: !canOpenIdle,
  },
  async () => {
    // Deno's runtime raises the soft limit to the hard one at start; this proves it still does.
    await using bus = await startBus([`--header-timeout=${HEADER_TIMEOUT_S}s`], {
      softOpenFiles: 1024,
    });
    const conns: Deno.Conn[] = [];
    /** When each connection was opened. */
    const openedAt: number[] = [];
    const other = Deno.createHttpClient({ localAddress: "127.0.0.2" });
    try {
      const partial = new TextEncoder().encode("GET /health HTTP/1.1\r\nHost: localhost\r\n");
      for (let i = 0; i < IDLE; i++) {
        const conn = await Deno.connect({ port: bus.port });
        conns.push(conn);
        openedAt.push(performance.now());
        // Every other one starts a request and stops mid-headers (slowloris); the rest send
        // nothing.
        if (i % 2 === 0) await conn.write(partial).catch(() => {});
      }
      // Another address is a new client with its own budget: answered at once, reads and writes.
      const started = performance.now();
      const health = await fetch(`${bus.url}/health`, { client: other });
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const posted = await fetch(`${bus.url}/api/v1/events`, {
        client: other,
        method: "POST",
        body: JSON.stringify({ type: "HEARTBEAT" }),
        headers: { "content-type": "application/json", ...bus.auth },
      });
      assert.equal(posted.status, 200, await posted.text());
      assert.ok(performance.now() - started < 5_000);
      // Every connection ends: those over the cap at once (a 503 naming it in answer to their
      // bytes; closed unanswered if they sent none, or while too many refusals linger), the
      // admitted ones at the header timeout.
      const ends = await Promise.all(conns.map(async (c, i) => {
        const end = await endOf(c, (HEADER_TIMEOUT_S + 5) * 1000);
        return { ...end, afterMs: end.atMs - openedAt[i] };
      }));
      // Refusals end within a second of their connection (the refusal's linger), held ones at
      // the header timeout.
      const held = ends.filter((e) => e.afterMs > (HEADER_TIMEOUT_S - 1) * 1000);
      assert.equal(held.length, PER_ADDRESS, "the cap admitted exactly its share");
      assert.ok(held.every((e) => e.closed && e.text === ""), "held ones closed, unanswered");
      const refused = ends.filter((e) => !held.includes(e));
      assert.ok(refused.every((e) => e.closed && !e.text.includes(" 200 ")));
      const answered = refused.filter((e) => e.text !== "");
      assert.ok(answered.length > 0);
      for (const e of answered) assert.match(e.text, /^HTTP\/1\.1 503[^]*"per_address"/);
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the bus */ }
      }
      other.close();
    }
    // The slots are free again for this address too.
    assert.equal((await bus.get("/health")).status, 200);
    assert.doesNotMatch(bus.logs, /Too many open files/);
  },
);

/** Reads a connection until the bus closes it (or the deadline); when, and what it sent. */
async function endOf(conn: Deno.Conn, deadlineMs: number) {
  const buf = new Uint8Array(4096);
  let text = "";
  let closed = true;
  const timer = setTimeout(() => {
    closed = false;
    conn.close();
  }, deadlineMs);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) {
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch { /* reset by the bus, or closed at the deadline */ }
  clearTimeout(timer);
  return { text, closed, atMs: performance.now() };
}

Deno.test("a flood of 15 MB bodies from 16 clients stays under 800 MB RSS; answers are 413 or 429", async () => {
  await using bus = await startBus();
  // 10,001 events (~15 MB): parsed whole, then refused as one event too many; nothing is stored.
  // Without the body budget this flood peaks near 1.2 GB here; with it, near 650 MB.
  const event = JSON.stringify({ type: "MONEY_CHANGED", payload: { pad: "x".repeat(1400) } });
  const body = `{"events":[${Array.from({ length: 10_001 }, () => event).join(",")}]}`;
  assert.ok(body.length > 14_000_000);
  const statuses: number[] = [];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let round = 0; round < 3; round++) {
      const res = await bus.post(BATCH, body);
      statuses.push(res.status);
      if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
    }
  }));
  assert.ok(statuses.every((s) => s === 413 || s === 429), `statuses: ${statuses}`);
  assert.ok(statuses.includes(429), "the body budget refused some while others were parsed");
  const peak = await peakRssMb(bus.pid);
  assert.ok(peak < 800, `peak RSS ${peak.toFixed(0)} MB`);
  assert.equal((await bus.get("/health")).status, 200);
  assert.equal((await bus.events()).length, 0);
});

Deno.test("per-client rates: ingest and heavy requests beyond the rate get 429 with Retry-After", async () => {
  await using bus = await startBus(["--ingest-rate=5", "--heavy-rate=1"]);
  const ingest = await Promise.all(
    Array.from({ length: 30 }, () => fetch(`${bus.url}/api/v1/events/health`, { method: "POST" })),
  );
  const codes = await Promise.all(ingest.map(async (r) => (await r.body?.cancel(), r.status)));
  assert.ok(codes.filter((c) => c === 200).length <= 12, `ingest: ${codes}`);
  const limited = ingest.find((r) => r.status === 429)!;
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  // Another client (the token) has its own budget.
  assert.equal((await bus.post("/api/v1/events/health", "{}")).status, 200);
  const heavy: number[] = [];
  for (let i = 0; i < 6; i++) heavy.push((await bus.get("/api/v1/analytics/status")).status);
  assert.ok(heavy.includes(429), `heavy: ${heavy}`);
});

Deno.test("streams per client are capped; closing one frees its slot", async () => {
  await using bus = await startBus(["--max-streams-per-client=2"]);
  const open = async () => {
    const ac = new AbortController();
    const res = await fetch(`${bus.url}/api/v1/stream?topics=game.>`, {
      headers: bus.auth,
      signal: ac.signal,
    });
    return { res, close: () => ac.abort() };
  };
  const a = await open();
  const ws = new WebSocket(`ws://127.0.0.1:${bus.port}/api/v1/ws`, { headers: bus.auth });
  await new Promise((r) => ws.onopen = r);
  assert.equal(a.res.status, 200);
  const third = await open();
  assert.equal(third.res.status, 429);
  await third.res.body?.cancel();
  const closed = new Promise((r) => ws.onclose = r);
  ws.close();
  await closed;
  a.close();
  await a.res.body?.cancel().catch(() => {});
  let again = 0;
  for (let i = 0; i < 20 && again !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const b = await open();
    again = b.res.status;
    b.close();
    await b.res.body?.cancel().catch(() => {});
  }
  assert.equal(again, 200, "the freed slots are usable again");
});

Deno.test("requests in flight per address are capped", async () => {
  await using bus = await startBus(["--max-requests-per-address=1", "--body-timeout=3s"]);
  // One request whose body never arrives holds the address's only slot.
  const slow = await Deno.connect({ port: bus.port });
  await slow.write(new TextEncoder().encode(
    "POST /api/v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{",
  ));
  await new Promise((r) => setTimeout(r, 300));
  const second = await bus.post("/api/v1/events", JSON.stringify({ type: "HEARTBEAT" }));
  assert.equal(second.status, 429, second.text);
  slow.close();
  let later = 0;
  for (let i = 0; i < 50 && later !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    later = (await bus.get("/health")).status;
  }
  assert.equal(later, 200);
});

Deno.test("the native gRPC port applies the same stream caps", async () => {
  await using bus = await startBus(["--max-streams-per-client=1"]);
  const client = grpcClient(bus);
  const ac = new AbortController();
  const first = (async () => {
    for await (const _ of client.subscribe({ topics: ["game.>"] }, { signal: ac.signal }));
  })().catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(
    async () => {
      for await (const _ of client.subscribe({ topics: ["game.>"] }));
    },
    (err: ConnectError) => err.code === Code.ResourceExhausted,
  );
  ac.abort();
  await first;
});

Deno.test("a Stream call that floods acks and never reads its answers stops being read", async () => {
  await using bus = await startBus();
  await bus.post("/api/v1/events", JSON.stringify({ type: "HEARTBEAT" }));
  const envelope = (kind: MessageInitShape<typeof StreamRequestSchema>["kind"]) => {
    const message = toBinary(StreamRequestSchema, create(StreamRequestSchema, { kind }));
    const framed = new Uint8Array(5 + message.length);
    new DataView(framed.buffer).setUint32(1, message.length);
    framed.set(message, 5);
    return framed;
  };
  const ack = envelope({ case: "ack", value: 0n });
  const acks = new Uint8Array(ack.length * 1_000);
  for (let i = 0; i < 1_000; i++) acks.set(ack, i * ack.length);
  // A raw HTTP/2 client: the answers are never read, so the bus's writes back are stuck.
  const session = http2.connect(`http://127.0.0.1:${bus.port}`);
  const stream = session.request({
    ":method": "POST",
    ":path": "/jimbot.bus.v1.EventBus/Stream",
    "content-type": "application/connect+proto",
    authorization: `Bearer ${bus.token}`,
  });
  stream.pause();
  stream.write(envelope({
    case: "subscribe",
    value: { subscription: { group: "flood" }, initialCredits: 0 },
  }));
  const rssBefore = await rssMb(bus.pid);
  let written = 0;
  const started = Date.now();
  while (Date.now() - started < 5_000) {
    written += 1_000;
    if (stream.write(acks)) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stream.off("drain", done);
        resolve();
      };
      const timer = setTimeout(done, 250);
      stream.on("drain", done);
    });
  }
  const grown = (await rssMb(bus.pid)) - rssBefore;
  session.destroy();
  // Unbounded, the bus takes about 200,000 acks a second and grows by hundreds of MB.
  assert.ok(written < 500_000, `the bus took ${written} acks`);
  assert.ok(grown < 150, `RSS grew ${grown.toFixed(0)} MB`);
  assert.equal((await bus.get("/health")).status, 200);
});

async function rssMb(pid: number): Promise<number> {
  return Number(/VmRSS:\s+(\d+) kB/.exec(await Deno.readTextFile(`/proc/${pid}/status`))![1]) /
    1024;
}
