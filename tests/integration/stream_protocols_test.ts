// The EventBus's wire variants: Connect unary over plain HTTP/1.1 JSON, the bidirectional
// Stream (publish, credits, acks), RESOURCE_EXHAUSTED from a saturated log, TLS on both ports.
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { OPENSSL, selfSignedCert } from "../_tls_cert.ts";
import { startBus } from "./_bus.ts";
import { anyMissing, testName } from "../_tools.ts";
import { bearer, connectClient, EARLIEST, modEvent } from "./_stream_client.ts";
import {
  EventBus,
  type StreamRequest,
  StreamRequestSchema,
  type StreamResponse,
} from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";
import { batchToMessage } from "../../src/proto/mod.ts";

Deno.test("Connect unary calls work over HTTP/1.1 with JSON (curl-able)", async () => {
  await using bus = await startBus();
  const post = (method: string, body: unknown) =>
    fetch(`${bus.url}/jimbot.bus.v1.EventBus/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bus.auth },
      body: JSON.stringify(body),
    });
  const published = await post("Publish", {
    batch: { events: [{ type: "HEARTBEAT", eventId: "h1", rawPayload: { beat: 1 } }] },
  });
  assert.equal(published.status, 200);
  assert.deepEqual(await published.json(), { accepted: "1", firstOffset: "0", lastOffset: "0" });
  const offsets = await post("GetOffsets", {});
  assert.deepEqual(await offsets.json(), { head: "1" });
  const bad = await post("Subscribe", {});
  assert.notEqual(bad.status, 200); // streaming needs the Connect streaming content type
  const unknown = await post("Nope", {});
  assert.equal(unknown.status, 404); // falls through to REST: unknown route
  const [event] = await bus.events();
  assert.deepEqual(event.payload, { beat: 1 });
});

Deno.test("Stream: publish answers carry the request_id; credits bound deliveries; acks commit", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  const outbox: StreamRequest[] = [];
  let wake: (() => void) | null = null;
  const ac = new AbortController();
  const send = (init: Parameters<typeof create<typeof StreamRequestSchema>>[1]) => {
    outbox.push(create(StreamRequestSchema, init));
    wake?.();
  };
  async function* requests() {
    while (!ac.signal.aborted) {
      const r = outbox.shift();
      if (r) yield r;
      else await new Promise<void>((resolve) => wake = resolve);
    }
  }
  const responses = client.stream(requests(), { signal: ac.signal })[Symbol.asyncIterator]();
  const next = async (): Promise<StreamResponse> => {
    const r = await responses.next();
    assert.ok(!r.done);
    return r.value;
  };
  send({
    kind: {
      case: "subscribe",
      value: { subscription: { start: EARLIEST, group: "bidi" }, initialCredits: 3 },
    },
  });
  const events = Array.from({ length: 10 }, (_, i) => modEvent("HEARTBEAT", i));
  send({ requestId: 7n, kind: { case: "publish", value: { batch: batchToMessage({ events }) } } });
  const seen: number[] = [];
  let published: StreamResponse | undefined;
  while (seen.length < 3 || !published) {
    const r = await next();
    if (r.kind.case === "published") published = r;
    if (r.kind.case === "events") seen.push(...r.kind.value.events.map((d) => Number(d.offset)));
  }
  assert.equal(published.requestId, 7n);
  assert.equal(published.kind.case === "published" && published.kind.value.accepted, 10n);
  assert.deepEqual(seen, [0, 1, 2]); // three credits, three events
  await new Promise((r) => setTimeout(r, 200));
  send({ requestId: 8n, kind: { case: "ack", value: 2n } });
  send({ kind: { case: "credit", value: 100 } });
  while (seen.length < 10) {
    const r = await next();
    if (r.kind.case === "events") seen.push(...r.kind.value.events.map((d) => Number(d.offset)));
    if (r.kind.case === "committed") assert.equal(r.kind.value, 2n);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  ac.abort();
  await new Promise((r) => setTimeout(r, 150));
  const offsets = await client.getOffsets({ groups: ["bidi"] });
  assert.equal(offsets.groups[0].committed, 2n);
});

Deno.test("Publish answers RESOURCE_EXHAUSTED with retry-after only when the log is saturated", async () => {
  await using bus = await startBus(["--max-pending-events=100"]);
  const client = connectClient(bus);
  const batch = (k: number) =>
    batchToMessage({
      events: Array.from({ length: 1_000 }, (_, i) => modEvent("HEARTBEAT", k * 1_000 + i)),
    });
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, (_, k) => client.publish({ batch: batch(k) })),
  );
  const ok = results.filter((r) => r.status === "fulfilled");
  const refused = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
  assert.ok(ok.length >= 1, "the first batch is always taken");
  assert.ok(refused.length >= 1, "some batches met a full pipeline");
  for (const err of refused) {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.ResourceExhausted);
    assert.equal(err.metadata.get("retry-after"), "1");
  }
});

Deno.test({
  name: testName(
    "--tls-cert/--tls-key: Connect over TLS h2 on the main port, gRPC over TLS on the gRPC port",
    OPENSSL,
  ),
  ignore: anyMissing(OPENSSL),
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-tls-" });
  await selfSignedCert(dir);
  const ca = await Deno.readTextFile(`${dir}/cert.pem`);
  try {
    await using bus = await startBus([`--tls-cert=${dir}/cert.pem`, `--tls-key=${dir}/key.pem`]);
    const main = createClient(
      EventBus,
      createConnectTransport({
        baseUrl: `https://127.0.0.1:${bus.port}`,
        httpVersion: "2",
        nodeOptions: { ca },
        interceptors: [bearer(bus.token)],
      }),
    );
    const grpc = createClient(
      EventBus,
      createGrpcTransport({
        baseUrl: `https://127.0.0.1:${bus.grpcPort}`,
        nodeOptions: { ca },
        interceptors: [bearer(bus.token)],
      }),
    );
    await main.publish({ batch: batchToMessage({ events: [modEvent("HEARTBEAT", 1)] }) });
    const stream = grpc.subscribe({ start: EARLIEST, endOffset: 1n });
    const got: bigint[] = [];
    for await (const res of stream) got.push(...res.events.map((d) => d.offset));
    assert.deepEqual(got, [0n]);
    assert.equal((await main.getOffsets({})).head, 1n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("graceful stop ends open Subscribe, SSE and WebSocket streams at once", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  const sub = (async () => {
    for await (const _ of client.subscribe({ topics: ["game.>"] }));
  })().catch((err) => err);
  // Caught at once: the stop may end the body with a connection error before it is awaited.
  const sse = fetch(`${bus.url}/api/v1/stream?topics=game.>`, { headers: bus.auth })
    .then((r) => r.text()).catch(() => "");
  const ws = new WebSocket(`ws://127.0.0.1:${bus.port}/api/v1/ws`, { headers: bus.auth });
  const wsClosed = new Promise<number>((r) => ws.onclose = (e) => r(e.code));
  await new Promise((r) => ws.onopen = r);
  ws.send(JSON.stringify({ op: "subscribe", topics: "game.>" }));
  await new Promise((r) => setTimeout(r, 300));
  const started = performance.now();
  assert.equal(await bus.stop("SIGTERM"), 0);
  assert.ok(performance.now() - started < 5_000, "stopped without waiting for streams");
  await sub;
  await sse;
  assert.equal(await wsClosed, 1001);
});

Deno.test("gRPC-Web over HTTP/1.1 on the main port: unary and server streaming; auto_commit", async () => {
  await using bus = await startBus();
  const web = createClient(
    EventBus,
    createGrpcWebTransport({
      baseUrl: bus.url,
      httpVersion: "1.1",
      interceptors: [bearer(bus.token)],
    }),
  );
  const events = Array.from({ length: 30 }, (_, i) => modEvent("MONEY_CHANGED", i));
  const res = await web.publish({ batch: batchToMessage({ events }) });
  assert.equal(res.accepted, 30n);
  const got: number[] = [];
  const ac = new AbortController();
  const stream = web.subscribe({ start: EARLIEST, group: "auto", autoCommit: true, maxBatch: 10 }, {
    signal: ac.signal,
  });
  for await (const r of stream) {
    got.push(...r.events.map((d) => Number(d.offset)));
    if (got.length === 30) break;
  }
  ac.abort();
  assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => i));
  await new Promise((r) => setTimeout(r, 200)); // coalesced commit
  const offsets = await web.getOffsets({ groups: ["auto"] });
  // Each batch's last offset is committed once the next batch is asked for.
  assert.ok(offsets.groups[0].committed >= 19n, `committed ${offsets.groups[0].committed}`);
});
