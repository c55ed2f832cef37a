// The connection gate against the real bus: header and idle timeouts that really close sockets
// (but never an open stream), 408 and early 413 that close their connection, connection caps in
// total and per client address with a refusal naming the cap, the internal listener refusing
// clients that bypass the gate, and the same caps and timeouts on the native gRPC port.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { type RunningBus, startBus } from "./_bus.ts";
import { openWsPeer } from "./_ws_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ending {
  /** Everything the bus sent. */
  text: string;
  /** "eof": the bus closed the connection; "open": still open at the deadline. */
  how: "eof" | "reset" | "open";
  /** Milliseconds from the call until the end (or the deadline). */
  afterMs: number;
}

/** Reads until the bus closes the connection or `deadlineMs` passes (then closes it). */
async function readToEnd(conn: Deno.Conn, deadlineMs: number): Promise<Ending> {
  const started = performance.now();
  const chunks: string[] = [];
  const buf = new Uint8Array(16 * 1024);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, deadlineMs);
  let how: Ending["how"] = "eof";
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(dec.decode(buf.subarray(0, n)));
    }
  } catch {
    how = timedOut ? "open" : "reset";
  } finally {
    clearTimeout(timer);
  }
  if (!timedOut) {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  return { text: chunks.join(""), how, afterMs: performance.now() - started };
}

/** One metric sample from /metrics (0 when the series does not exist yet). */
async function metric(bus: RunningBus, series: string): Promise<number> {
  const text = (await bus.get("/metrics")).text;
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.split(" ")[1]) : 0;
}

const GET_HEALTH = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";

Deno.test("silent connections and slow headers (first request or a later one) are closed after --header-timeout", async () => {
  await using bus = await startBus(["--header-timeout=1s"]);
  const silent = await Deno.connect({ port: bus.port });
  const slowloris = await Deno.connect({ port: bus.port });
  await slowloris.write(enc.encode("GET /health HTTP/1.1\r\nHost: localhost\r\n"));
  // A keep-alive client answered once, then trickling its next request's headers.
  const later = await Deno.connect({ port: bus.port });
  await later.write(enc.encode(GET_HEALTH));
  const first = new Uint8Array(4096);
  assert.match(dec.decode(first.subarray(0, (await later.read(first))!)), /^HTTP\/1\.1 200/);
  const trickle = (async () => {
    for (const part of ["GET /hea", "lth HTTP/1.1\r\n", "Host: local", "host\r\n"]) {
      await sleep(300);
      await later.write(enc.encode(part)).catch(() => {});
    }
  })();
  const [a, b, c] = await Promise.all([
    readToEnd(silent, 6_000),
    readToEnd(slowloris, 6_000),
    readToEnd(later, 6_000),
  ]);
  await trickle;
  for (const [name, end] of Object.entries({ silent: a, slowloris: b, later: c })) {
    assert.equal(end.how, "eof", `${name}: ${JSON.stringify(end)}`);
    assert.equal(end.text, "", `${name} got no answer`);
    assert.ok(end.afterMs > 800 && end.afterMs < 4_000, `${name} closed after ${end.afterMs} ms`);
  }
  assert.equal(
    await metric(bus, 'jimbot_connections_timed_out_total{listener="http",timeout="header"}'),
    3,
  );
  assert.equal((await bus.get("/health")).status, 200);
});

Deno.test("an idle keep-alive connection is closed after --idle-timeout; quiet SSE and WebSocket streams are not", async () => {
  await using bus = await startBus(["--idle-timeout=1s"]);
  const idle = await Deno.connect({ port: bus.port });
  await idle.write(enc.encode(GET_HEALTH));
  const sse = await fetch(`${bus.url}/api/v1/stream?topics=game.>`, { headers: bus.auth });
  assert.equal(sse.status, 200);
  const ws = await openWsPeer(`ws://127.0.0.1:${bus.port}/api/v1/ws?access_token=${bus.token}`);
  const ended = await readToEnd(idle, 5_000);
  assert.match(ended.text, /^HTTP\/1\.1 200/);
  assert.equal(ended.how, "eof");
  assert.ok(ended.afterMs > 800 && ended.afterMs < 4_000, `closed after ${ended.afterMs} ms`);
  await sleep(1_500); // both streams have now been quiet for well over the idle timeout
  // The WebSocket still publishes; the SSE stream still delivers.
  ws.sendJson({ type: "HEARTBEAT", event_id: "after-idle" });
  const published = await ws.next((m) => m.op === "published");
  assert.equal(published.accepted, 1);
  const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await bus.post("/api/v1/events", '{"type":"GAME_STATE"}')).status, 200);
  let seen = "";
  while (!seen.includes("game.state")) {
    const next = await reader.read();
    assert.ok(!next.done, "the SSE stream was closed");
    seen += next.value;
  }
  await reader.cancel();
  await ws.close();
  assert.ok(
    await metric(bus, 'jimbot_connections_timed_out_total{listener="http",timeout="idle"}') >= 1,
  );
});

Deno.test("408 after --body-timeout and an early 413 really close their connection", async () => {
  await using bus = await startBus(["--body-timeout=300ms", "--max-body-bytes=4096"]);
  const slow = await Deno.connect({ port: bus.port });
  await slow.write(enc.encode(
    "POST /api/v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
      'Content-Length: 100\r\n\r\n{"type":',
  ));
  const timedOut = await readToEnd(slow, 5_000);
  assert.match(timedOut.text, /^HTTP\/1\.1 408/);
  assert.match(timedOut.text, /connection: close/i);
  assert.equal(timedOut.how, "eof", "the socket is closed after the 408");
  // Declares 1 MB, sends a few bytes and waits: 413 at once, then the connection is closed.
  const big = await Deno.connect({ port: bus.port });
  await big.write(enc.encode(
    "POST /api/v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
      "Content-Length: 1000000\r\n\r\n" + "x".repeat(1000),
  ));
  const tooLarge = await readToEnd(big, 5_000);
  assert.match(tooLarge.text, /^HTTP\/1\.1 413/);
  assert.equal(tooLarge.how, "eof", "the socket is closed after the 413");
  assert.ok(tooLarge.afterMs < 3_000, `closed after ${tooLarge.afterMs} ms`);
  assert.equal((await bus.get("/health")).status, 200);
});

Deno.test("connections over the per-address and total caps get a 503 naming the cap and are closed; freed slots serve again", async () => {
  await using bus = await startBus([
    "--max-connections=4",
    "--max-connections-per-address=2",
  ]);
  const held = [await Deno.connect({ port: bus.port }), await Deno.connect({ port: bus.port })];
  await sleep(200);
  const refused = await Deno.connect({ port: bus.port });
  await refused.write(enc.encode(GET_HEALTH));
  const third = await readToEnd(refused, 3_000);
  assert.equal(third.how, "eof");
  assert.match(third.text, /^HTTP\/1\.1 503/);
  assert.match(third.text, /connection: close/i);
  assert.match(third.text, /retry-after: \d+/i);
  const refusal = JSON.parse(third.text.slice(third.text.indexOf("\r\n\r\n") + 4));
  assert.equal(refusal.status, "error");
  assert.match(refusal.error, /--max-connections-per-address/);
  assert.deepEqual(refusal.details, [{ cap: "per_address", limit: 2 }]);
  // Other loopback addresses have their own per-address budget, until the total cap.
  const from = (n: number) => Deno.createHttpClient({ localAddress: `127.0.0.${n}` });
  const others = [from(2), from(3), from(4)];
  try {
    const second = await fetch(`${bus.url}/health`, { client: others[0] });
    assert.equal(second.status, 200);
    await second.body?.cancel();
    const third = await fetch(`${bus.url}/health`, { client: others[1] });
    assert.equal(third.status, 200);
    await third.body?.cancel();
    // Two held from .1, one pooled each for .2 and .3: the fifth connection is over the total.
    const over = await fetch(`${bus.url}/health`, { client: others[2] });
    assert.equal(over.status, 503);
    const body = await over.json();
    assert.deepEqual(body.details, [{ cap: "total", limit: 4 }]);
    assert.match(body.error, /--max-connections\)/);
  } finally {
    for (const c of others) c.close();
  }
  for (const c of held) c.close();
  await sleep(300);
  // The slots are free again: a new client from 127.0.0.1 is answered.
  const again = await Deno.connect({ port: bus.port });
  await again.write(enc.encode(GET_HEALTH.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")));
  assert.match((await readToEnd(again, 3_000)).text, /^HTTP\/1\.1 200/);
  assert.equal(
    await metric(bus, 'jimbot_connections_refused_total{listener="http",cap="per_address"}'),
    1,
  );
  assert.equal(
    await metric(bus, 'jimbot_connections_refused_total{listener="http",cap="total"}'),
    1,
  );
  assert.match(bus.logs, /connection refused: over a connection cap/);
});

Deno.test("a client connecting to the internal listener directly (bypassing the gate) is refused", async () => {
  await using bus = await startBus();
  const internal = await listeningPorts(bus.pid);
  const others = internal.filter((p) => p !== bus.port && p !== bus.grpcPort);
  assert.equal(others.length, 1, `listening: ${internal}`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: others[0] });
  await conn.write(enc.encode(GET_HEALTH));
  // Deno.serve keeps the connection open after the answer (it has no hook to close it).
  const answer = await readToEnd(conn, 1_500);
  assert.match(answer.text, /^HTTP\/1\.1 403/);
  assert.match(answer.text, new RegExp(`Connect to the bus's port ${bus.port}`));
  // The gated port answers the same request.
  assert.equal((await bus.get("/health")).status, 200);
});

Deno.test("--connection-gate=false: Deno.serve listens on the port itself", async () => {
  await using bus = await startBus(["--connection-gate=false", "--header-timeout=200ms"]);
  assert.equal((await bus.get("/health")).status, 200);
  const ports = await listeningPorts(bus.pid);
  assert.deepEqual(ports.sort(), [bus.port, bus.grpcPort].sort());
});

Deno.test("the native gRPC port: silent and idle sessions close; sessions over the cap get GOAWAY; a quiet call is not cut", async () => {
  await using bus = await startBus([
    "--max-connections-per-address=1",
    "--header-timeout=500ms",
    "--idle-timeout=1s",
  ]);
  // A connection that never sends the HTTP/2 preface: closed at the header timeout.
  const silent = await readToEnd(await Deno.connect({ port: bus.grpcPort }), 5_000);
  assert.equal(silent.how, "eof");
  assert.ok(silent.afterMs > 300 && silent.afterMs < 3_000, `closed after ${silent.afterMs} ms`);
  assert.equal(
    await metric(bus, 'jimbot_connections_timed_out_total{listener="grpc",timeout="header"}'),
    1,
  );
  const url = `http://127.0.0.1:${bus.grpcPort}`;
  const first = http2.connect(url);
  await new Promise((r) => first.once("connect", r));
  const second = http2.connect(url);
  second.on("error", () => {});
  const goaway = await new Promise<{ code: number; data: string }>((resolve) => {
    second.once("goaway", (code, _last, data) => resolve({ code, data: dec.decode(data) }));
  });
  assert.equal(goaway.code, http2.constants.NGHTTP2_REFUSED_STREAM);
  assert.match(goaway.data, /--max-connections-per-address/);
  second.destroy();
  // A Subscribe call that sees nothing for longer than the idle timeout stays open.
  const call = first.request({
    ":method": "POST",
    ":path": "/jimbot.bus.v1.EventBus/Subscribe",
    "content-type": "application/grpc",
    te: "trailers",
    authorization: `Bearer ${bus.token}`,
  });
  call.on("error", () => {});
  call.end(new Uint8Array(5)); // one empty message: a default SubscribeRequest
  await sleep(2_000);
  assert.equal(first.closed || first.destroyed, false, "the session with a call open was closed");
  const closed = new Promise((r) => first.once("close", r));
  call.close();
  const started = performance.now();
  await closed;
  const after = performance.now() - started;
  assert.ok(after > 500 && after < 4_000, `the idle session closed after ${after} ms`);
  assert.ok(
    await metric(bus, 'jimbot_connections_refused_total{listener="grpc",cap="per_address"}') >= 1,
  );
});

/** The TCP ports a process listens on (from /proc: its socket inodes, matched to LISTEN rows). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
    const target = await Deno.readLink(`/proc/${pid}/fd/${fd.name}`).catch(() => "");
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]);
  }
  const ports = new Set<number>();
  for (const table of ["tcp", "tcp6"]) {
    const text = await Deno.readTextFile(`/proc/${pid}/net/${table}`).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9])) continue;
      ports.add(parseInt(f[1].split(":")[1], 16));
    }
  }
  return [...ports];
}
