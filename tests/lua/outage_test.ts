// The Lua client through outages: the bus killed (SIGKILL) and restarted on the same port in the
// middle of a session, an upgrade refused then allowed again (REST fallback and back), a bus that
// never comes (bounded buffer). Nothing acknowledged is lost, nothing is stored twice, and the
// frames stay cheap while the bus is away.
import assert from "node:assert/strict";
import { startBus } from "../integration/_bus.ts";
import { assertDeliveredOnce, luaTest, quantile, runSession, type SessionResult } from "./_lua.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE = { retry_delay_ms: 100, max_backoff_ms: 500, timeout_ms: 2000 };

function framesBetween(r: SessionResult, from: number, to: number): number[] {
  return r.frames.filter(([t]) => t * 1000 >= from && t * 1000 <= to).map(([, ms]) => ms);
}

for (const encoding of ["json", "protobuf"] as const) {
  await luaTest(
    `bus killed and restarted mid-session (${encoding}): reconnect, nothing lost or doubled`,
    async (interpreter) => {
      const first = await startBus();
      const port = first.port;
      const session = runSession(interpreter, {
        url: `${first.url}/api/v1/events`,
        transport: "auto",
        encoding,
        duration_s: 3.5,
        drain_s: 15,
        batch_interval_s: 0.1,
        events_per_batch: 3,
        ...OUTAGE,
      });
      await sleep(1200);
      await first.stop("SIGKILL");
      const killedAt = Date.now();
      await sleep(1000);
      const restartedAt = Date.now();
      await using second = await startBus([`--port=${port}`], { dataDir: first.dataDir });
      const r = await session;
      assert.ok(r.sent_ids.length >= 30);
      assertDeliveredOnce(r, await second.events());
      assert.ok(r.stats.batches_resent >= 1, "no batch was re-sent after the kill");
      assert.equal(r.final_transport, "websocket", "the client went back to the WebSocket");
      const outage = framesBetween(r, killedAt, restartedAt);
      assert.ok(outage.length > 20, `only ${outage.length} frames during the outage`);
      const p99 = quantile(outage, 0.99);
      assert.ok(p99 <= 2, `p99 Lua time per frame during the outage ${p99.toFixed(3)} ms`);
    },
  );
}

/**
 * A front for the bus that refuses WebSocket upgrades (403) until `allow()` and then relays
 * them; REST requests are always passed on.
 */
function upgradeGate(busUrl: string) {
  let allowed = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (!allowed) return new Response("upgrades are off", { status: 403 });
      const { socket, response } = Deno.upgradeWebSocket(req);
      relay(socket, new WebSocket(busUrl.replace(/^http/, "ws") + url.pathname));
      return response;
    }
    const res = await fetch(busUrl + url.pathname + url.search, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    allow: () => allowed = true,
    close: () => server.shutdown(),
  };
}

function relay(client: WebSocket, upstream: WebSocket): void {
  upstream.binaryType = "arraybuffer";
  client.binaryType = "arraybuffer";
  const early: (string | ArrayBuffer)[] = [];
  client.onmessage = (e) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
    else early.push(e.data);
  };
  upstream.onopen = () => early.splice(0).forEach((m) => upstream.send(m));
  upstream.onmessage = (e) => client.readyState === WebSocket.OPEN && client.send(e.data);
  const closeBoth = () => {
    if (client.readyState <= WebSocket.OPEN) client.close();
    if (upstream.readyState <= WebSocket.OPEN) upstream.close();
  };
  client.onclose = closeBoth;
  upstream.onclose = closeBoth;
}

await luaTest(
  "an upgrade refused: batches go by REST, then back to the WebSocket",
  async (interpreter) => {
    await using bus = await startBus();
    const gate = upgradeGate(bus.url);
    try {
      const session = runSession(interpreter, {
        url: `${gate.url}/api/v1/events`,
        transport: "auto",
        encoding: "json",
        duration_s: 3,
        drain_s: 10,
        batch_interval_s: 0.1,
        events_per_batch: 2,
        ...OUTAGE,
      });
      await sleep(1500);
      gate.allow();
      const r = await session;
      assertDeliveredOnce(r, await bus.events());
      assert.deepEqual(r.transports, ["rest", "websocket"]);
      assert.ok(r.stats.acked_via_rest > 0 && r.stats.acked_via_websocket > 0);
      assert.equal(r.final_transport, "websocket");
    } finally {
      await gate.close();
    }
  },
);

await luaTest(
  "no bus at all: the buffer stays bounded (oldest dropped) and frames stay cheap",
  async (interpreter) => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = probe.addr.port;
    probe.close(); // a port nobody listens on
    const r = await runSession(interpreter, {
      url: `http://127.0.0.1:${port}/api/v1/events`,
      transport: "auto",
      encoding: "json",
      duration_s: 2,
      drain_s: 0,
      batch_interval_s: 0.05,
      events_per_batch: 3,
      max_buffer_size: 30,
      ...OUTAGE,
    });
    assert.equal(r.acked_ids.length, 0);
    assert.ok(r.local_buffer_size <= 30 + 50, `buffer grew to ${r.local_buffer_size}`);
    assert.ok(r.stats.events_dropped >= r.sent_ids.length - 80);
    const p99 = quantile(r.frames.map(([, ms]) => ms), 0.99);
    assert.ok(p99 <= 2, `p99 Lua time per frame with no bus ${p99.toFixed(3)} ms`);
  },
);
