// Binary protobuf that does not decode is the client's mistake on every RPC of both ports:
// invalid_argument (Connect: HTTP 400 or the end-of-stream error; gRPC and gRPC-Web: grpc-status
// 3) naming the message type, never internal. Raw HTTP/2 calls send correctly framed garbage, so
// each protocol's own error encoding is checked; the bus keeps serving afterwards, and a valid
// message sent before the garbage on the same stream is stored and acknowledged.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  StreamRequestSchema,
  type StreamResponse,
  StreamResponseSchema,
  SubscribeRequestSchema,
} from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";
import { batchToMessage } from "../../src/proto/mod.ts";
import { type RunningBus, startBus } from "./_bus.ts";
import {
  collect,
  connectClient,
  EARLIEST,
  grpcClient,
  modEvent,
  publish,
} from "./_stream_client.ts";

const EVENT_BUS = "/jimbot.bus.v1.EventBus/";
/** A unary and a server-streaming RPC of each other service: the same answer on every service. */
const OTHER_SERVICES = [
  "/jimbot.coordinator.v1.ResourceCoordinator/Acquire",
  "/jimbot.coordinator.v1.ResourceCoordinator/WatchLeases",
  "/jimbot.advisor.v1.Advisor/Score",
];
/** Not protobuf: a field tag whose varint never ends. */
const GARBAGE = new Uint8Array([0xff, 0xff, 0xff]);
const INVALID_ARGUMENT = "3";
const RESOURCE_EXHAUSTED = "8";
/** Connect and gRPC-Web end a stream with a frame carrying these flags. */
const CONNECT_END_STREAM = 0x02;
const GRPC_WEB_TRAILERS = 0x80;

interface Frame {
  readonly flags: number;
  readonly data: Uint8Array;
}

/** What came back from one raw HTTP/2 call. */
interface RawAnswer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly body: Uint8Array;
}

/** One length-prefixed message (Connect streams, gRPC and gRPC-Web frame them alike). */
function frame(message: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

function frames(body: Uint8Array): Frame[] {
  const out: Frame[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 0; at < body.length;) {
    const length = view.getUint32(at + 1);
    out.push({ flags: body[at], data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

function streamRequest(kind: MessageInitShape<typeof StreamRequestSchema>["kind"], id = 0n) {
  return toBinary(StreamRequestSchema, create(StreamRequestSchema, { requestId: id, kind }));
}

const publishOne = (id: string) =>
  streamRequest({
    case: "publish",
    value: { batch: batchToMessage({ events: [modEvent("HEARTBEAT", 0, { event_id: id })] }) },
  }, 7n);

/** POSTs `body` over HTTP/2 cleartext and reads the whole answer, trailers included. */
async function call(
  port: number,
  path: string,
  contentType: string,
  body: Uint8Array,
  token: string,
): Promise<RawAnswer> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": contentType,
      te: "trailers",
      authorization: `Bearer ${token}`,
    });
    const chunks: Uint8Array[] = [];
    let trailers: http2.IncomingHttpHeaders = {};
    const headers = new Promise<http2.IncomingHttpHeaders>((resolve) =>
      stream.once("response", resolve)
    );
    stream.on("trailers", (t) => trailers = t);
    stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      stream.once("end", resolve);
      stream.once("error", reject);
    });
    stream.end(body);
    const h = await headers;
    await ended;
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
    return { status: Number(h[":status"]), headers: h, trailers, body: all };
  } finally {
    session.close();
  }
}

/** The gRPC status of a native gRPC answer: in the trailers, or the headers of a trailers-only one. */
function grpcStatus(a: RawAnswer): { code: string; message: string } {
  const code = a.trailers["grpc-status"] ?? a.headers["grpc-status"];
  const message = a.trailers["grpc-message"] ?? a.headers["grpc-message"] ?? "";
  return { code: String(code), message: decodeURIComponent(String(message)) };
}

/** The gRPC-Web status: the trailers frame at the end of the body (or trailers-only headers). */
function grpcWebStatus(a: RawAnswer): { code: string; message: string } {
  const last = frames(a.body).find((f) => f.flags & GRPC_WEB_TRAILERS);
  if (!last) return grpcStatus(a);
  const fields = new Map(
    new TextDecoder().decode(last.data).split("\r\n").filter((l) => l !== "").map((l) => {
      const colon = l.indexOf(":");
      return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()];
    }),
  );
  return {
    code: fields.get("grpc-status") ?? "",
    message: decodeURIComponent(fields.get("grpc-message") ?? ""),
  };
}

/** The error of a Connect stream's end-of-stream frame. */
function connectEndStream(a: RawAnswer): { code?: string; message?: string } {
  const end = frames(a.body).find((f) => f.flags & CONNECT_END_STREAM);
  assert.ok(end, `no end-of-stream frame (HTTP ${a.status})`);
  return JSON.parse(new TextDecoder().decode(end.data)).error ?? {};
}

/** The StreamResponse messages of a stream's answer (its data frames). */
function answers(a: RawAnswer): StreamResponse[] {
  return frames(a.body).filter((f) => f.flags === 0).map((f) =>
    fromBinary(StreamResponseSchema, f.data)
  );
}

/** The bus logged nothing at error level (an undecodable request is no bug of the bus). */
function assertNoErrorLogged(bus: RunningBus): void {
  const errors = bus.logs.split("\n").filter((l) => l.includes('"level":"error"'));
  assert.deepEqual(errors, []);
}

/** Valid calls on both ports still work. */
async function assertStillServing(bus: RunningBus): Promise<void> {
  const connect = connectClient(bus);
  const grpc = grpcClient(bus);
  const [first] = await publish(connect, [modEvent("ROUND_CHANGED", 1)]);
  const [second] = await publish(grpc, [modEvent("ROUND_CHANGED", 2)]);
  assert.equal(second, first + 1);
  const got = await collect(grpc, { start: EARLIEST, topics: ["game.round.changed"] }, 2);
  assert.deepEqual(got.map((d) => Number(d.offset)), [first, second]);
}

Deno.test("undecodable protobuf on the main port: Connect and gRPC-Web, unary and streams → invalid_argument", async () => {
  await using bus = await startBus(["--log-level=debug"]);
  const main = (method: string, type: string, body: Uint8Array) =>
    call(bus.port, EVENT_BUS + method, type, body, bus.token);

  const unary = await main("Publish", "application/proto", GARBAGE);
  assert.equal(unary.status, 400);
  const unaryError = JSON.parse(new TextDecoder().decode(unary.body));
  assert.equal(unaryError.code, "invalid_argument");
  assert.match(unaryError.message, /not a valid jimbot\.bus\.v1\.PublishRequest/);

  const subscribe = await main("Subscribe", "application/connect+proto", frame(GARBAGE));
  assert.equal(subscribe.status, 200);
  const subscribeError = connectEndStream(subscribe);
  assert.equal(subscribeError.code, "invalid_argument");
  assert.match(subscribeError.message ?? "", /jimbot\.bus\.v1\.SubscribeRequest/);

  // A valid publish, then garbage in the same write: the publish is stored and answered first.
  const stream = await main(
    "Stream",
    "application/connect+proto",
    new Uint8Array([...frame(publishOne("before-garbage")), ...frame(GARBAGE)]),
  );
  const streamError = connectEndStream(stream);
  assert.equal(streamError.code, "invalid_argument");
  assert.match(streamError.message ?? "", /jimbot\.bus\.v1\.StreamRequest/);
  const published = answers(stream);
  assert.equal(published.length, 1, "the publish before the garbage is answered");
  assert.equal(published[0].requestId, 7n);
  assert.equal(published[0].kind.case, "published");

  for (const method of ["Publish", "Subscribe", "Stream"]) {
    const web = await main(method, "application/grpc-web+proto", frame(GARBAGE));
    assert.equal(web.status, 200, method);
    const status = grpcWebStatus(web);
    assert.equal(status.code, INVALID_ARGUMENT, `${method}: ${status.message}`);
    assert.match(status.message, /is not a valid jimbot\.bus\.v1\.\w+Request/);
  }
  for (const path of OTHER_SERVICES) {
    const web = await call(bus.port, path, "application/grpc-web+proto", frame(GARBAGE), bus.token);
    assert.equal(grpcWebStatus(web).code, INVALID_ARGUMENT, path);
  }

  const stored = await bus.events();
  assert.deepEqual(stored.map((e) => e.event_id), ["before-garbage"]);
  await assertStillServing(bus);
  assertNoErrorLogged(bus);
  assert.match(bus.logs, /"level":"debug","msg":"rpc request not decodable"/);
});

Deno.test("undecodable protobuf on the native gRPC port: unary, server stream and bidi stream → grpc-status 3", async () => {
  await using bus = await startBus();
  const grpc = (path: string, body: Uint8Array) =>
    call(bus.grpcPort, path, "application/grpc", body, bus.token);

  for (const method of ["Publish", "GetOffsets", "Subscribe", "Stream"]) {
    const res = await grpc(EVENT_BUS + method, frame(GARBAGE));
    assert.equal(res.status, 200, method);
    const status = grpcStatus(res);
    assert.equal(status.code, INVALID_ARGUMENT, `${method}: ${status.message}`);
    assert.match(status.message, /is not a valid jimbot\.bus\.v1\.\w+Request/);
  }
  for (const path of OTHER_SERVICES) {
    const status = grpcStatus(await grpc(path, frame(GARBAGE)));
    assert.equal(status.code, INVALID_ARGUMENT, path);
    assert.match(status.message, /is not a valid jimbot\.\w+\.v1\.\w+Request/);
  }

  const stream = await grpc(
    EVENT_BUS + "Stream",
    new Uint8Array([...frame(publishOne("grpc-before-garbage")), ...frame(GARBAGE)]),
  );
  assert.equal(grpcStatus(stream).code, INVALID_ARGUMENT);
  assert.equal(answers(stream)[0]?.kind.case, "published", "the publish is answered first");

  assert.deepEqual((await bus.events()).map((e) => e.event_id), ["grpc-before-garbage"]);
  await assertStillServing(bus);
  assertNoErrorLogged(bus);
});

Deno.test("a message over --max-body-bytes is still resource_exhausted, on streams and on the gRPC port", async () => {
  await using bus = await startBus(["--max-body-bytes=4096"]);
  const big = toBinary(
    SubscribeRequestSchema,
    create(SubscribeRequestSchema, { topics: ["x".repeat(8_192)] }),
  );
  const connect = await call(
    bus.port,
    EVENT_BUS + "Subscribe",
    "application/connect+proto",
    frame(big),
    bus.token,
  );
  assert.equal(connectEndStream(connect).code, "resource_exhausted");
  const grpc = await call(
    bus.grpcPort,
    EVENT_BUS + "Subscribe",
    "application/grpc",
    frame(big),
    bus.token,
  );
  assert.equal(grpcStatus(grpc).code, RESOURCE_EXHAUSTED);
  await assertStillServing(bus);
});
