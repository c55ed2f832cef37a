// The EventBus Connect service in process: unary calls as Connect JSON through app.fetch (the
// path every request of the main port takes), and the server stream through an in-memory
// Connect transport over the app's own service registrations. No socket, no child process.
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { Channel } from "../../src/channel.ts";
import {
  EventBus,
  type StreamRequest,
  StreamRequestSchema,
  type StreamResponse,
} from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";
import { errorInterceptor } from "../../src/rpc/errors.ts";
import { IDENTITY_KEY, LOCAL_ADMIN } from "../../src/auth/mod.ts";
import { capturingLogger, inProcessApp } from "../app/_in_process.ts";

const PATH = "/jimbot.bus.v1.EventBus/";

async function unary(
  bus: Awaited<ReturnType<typeof inProcessApp>>,
  method: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await bus.request(PATH + method, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
  });
  return { status: res.status, json: await res.json() };
}

/** An EventBus client over an in-memory transport serving the app's own registrations. */
function inMemoryClient(bus: Awaited<ReturnType<typeof inProcessApp>>) {
  const { logger } = capturingLogger();
  const transport = createRouterTransport((router) => {
    for (const register of bus.app.services.rpc) register(router);
  }, {
    router: {
      interceptors: [
        errorInterceptor(logger),
        // The guard is not on this path: the calls act as a local admin, as the console does.
        (next) => (req) => {
          req.contextValues.set(IDENTITY_KEY, LOCAL_ADMIN);
          return next(req);
        },
      ],
    },
  });
  return createClient(EventBus, transport);
}

const batch = (ids: string[], type = "HEARTBEAT") => ({
  batch: { events: ids.map((id) => ({ type, eventId: id, source: "test" })) },
});

Deno.test("Publish, ListTopics, CommitOffset and GetOffsets as Connect JSON", async () => {
  await using bus = await inProcessApp();
  const published = await unary(bus, "Publish", batch(["a", "b", "c"]));
  assert.equal(published.status, 200, JSON.stringify(published.json));
  assert.equal(published.json.accepted, "3");
  assert.equal(published.json.lastOffset, "2");
  const again = await unary(bus, "Publish", batch(["a"]));
  assert.equal(again.json.duplicates, "1");
  const topics = await unary(bus, "ListTopics", {});
  assert.deepEqual(topics.json.topics, [{
    name: "system.heartbeat",
    events: "3",
    lastOffset: "2",
  }]);
  assert.equal((await unary(bus, "CommitOffset", { group: "g", offset: "0" })).status, 200);
  const offsets = await unary(bus, "GetOffsets", {});
  // Proto3 JSON leaves out zeros (first and committed are 0 here).
  assert.deepEqual(offsets.json, { head: "3", groups: [{ group: "g", lag: "2" }] });
});

Deno.test("a bad request is a Connect invalid_argument naming the problem", async () => {
  await using bus = await inProcessApp();
  const res = await unary(bus, "CommitOffset", { group: "", offset: "1" });
  assert.equal(res.status, 400);
  assert.equal(res.json.code, "invalid_argument");
  assert.match(String(res.json.message), /consumer group name must have 1 to 256 characters/);
});

Deno.test("Subscribe streams the backlog then live events, by topic", async () => {
  await using bus = await inProcessApp();
  const client = inMemoryClient(bus);
  await unary(bus, "Publish", batch(["h1", "h2"]));
  await unary(bus, "Publish", batch(["m1"], "MONEY_CHANGED"));
  const ac = new AbortController();
  const stream = client.subscribe(
    { topics: ["system.>"], start: { position: { case: "earliest", value: {} } }, json: true },
    { signal: ac.signal },
  );
  const seen: number[] = [];
  const live = (async () => {
    for await (const res of stream) {
      seen.push(...res.events.map((e) => Number(e.offset)));
      if (seen.length === 3) break;
    }
  })();
  await new Promise((r) => setTimeout(r, 20));
  await unary(bus, "Publish", batch(["h3"]));
  await live;
  ac.abort();
  assert.deepEqual(seen, [0, 1, 3]);
});

Deno.test("Stream: deliveries stay within the granted credits; acks commit; publishes are answered", async () => {
  await using bus = await inProcessApp();
  const client = inMemoryClient(bus);
  await unary(bus, "Publish", batch(Array.from({ length: 10 }, (_, i) => `s${i}`)));
  const requests = new Channel<StreamRequest>();
  const ac = new AbortController();
  const responses = client.stream(requests, { signal: ac.signal })[Symbol.asyncIterator]();
  const next = async () => (await responses.next()).value as StreamResponse;
  requests.push(create(StreamRequestSchema, {
    kind: {
      case: "subscribe",
      value: {
        subscription: {
          group: "g",
          json: true,
          start: { position: { case: "earliest", value: {} } },
        },
        initialCredits: 3,
      },
    },
  }));
  const first = await next();
  assert.equal(first.kind.case, "events");
  const offsets = (r: StreamResponse) =>
    r.kind.case === "events" ? r.kind.value.events.map((e) => Number(e.offset)) : [];
  assert.deepEqual(offsets(first), [0, 1, 2], "three credits, three events");
  requests.push(create(StreamRequestSchema, { requestId: 7n, kind: { case: "ack", value: 2n } }));
  const acked = await next();
  assert.equal(acked.kind.case, "committed");
  assert.equal(acked.requestId, 7n);
  requests.push(create(StreamRequestSchema, {
    requestId: 8n,
    kind: { case: "publish", value: batch(["late"]) },
  }));
  const published = await next();
  assert.equal(published.kind.case, "published");
  requests.push(create(StreamRequestSchema, { kind: { case: "credit", value: 100 } }));
  const rest: number[] = [];
  while (rest.length < 8) rest.push(...offsets(await next()));
  assert.deepEqual(rest, [3, 4, 5, 6, 7, 8, 9, 10]);
  ac.abort();
  requests.close();
  await bus.app.services.bus.groups.close();
  assert.equal(await bus.app.services.storage.groups.get("g"), 2);
});
