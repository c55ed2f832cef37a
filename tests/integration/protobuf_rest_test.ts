// REST ingest and read in protobuf (application/x-protobuf), against the real bus.
import assert from "node:assert/strict";
import {
  decodeEnvelope,
  decodeEnvelopesDelimited,
  decodeIngestResponse,
  encodeBatch,
  encodeEvent,
  messageToEnvelope,
} from "../../src/proto/mod.ts";
import { fixture, startBus } from "./_bus.ts";

const PB = "application/x-protobuf";

function fixtureJson(name: string) {
  return JSON.parse(new TextDecoder().decode(fixture(name)));
}

Deno.test("protobuf EventBatch in, protobuf answer and Envelope stream out, equal to JSON ingest", async () => {
  await using bus = await startBus();
  const batch = fixtureJson("state_diff_batch.json");
  const res = await bus.post("/api/v1/events/batch", encodeBatch(batch), {
    "content-type": PB,
    accept: PB,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), PB);
  const raw = await fetch(`${bus.url}/api/v1/events/batch`, {
    method: "POST",
    body: encodeBatch(fixtureJson("scoring_sequence.json")),
    headers: { "content-type": PB, accept: PB },
  });
  const answer = decodeIngestResponse(new Uint8Array(await raw.arrayBuffer()));
  assert.equal(answer.accepted, 6);
  assert.deepEqual(answer.offsets, [3, 8]);

  const json = await bus.events();
  const stream = await fetch(`${bus.url}/api/v1/events?limit=100`, {
    headers: { accept: PB, ...bus.auth },
  });
  assert.equal(stream.headers.get("content-type"), PB);
  const envelopes = decodeEnvelopesDelimited(new Uint8Array(await stream.arrayBuffer()));
  assert.equal(envelopes.length, 9);
  assert.deepEqual(envelopes.map((e) => messageToEnvelope(e)), json);
  batch.events.forEach((sent: { payload: unknown }, i: number) =>
    assert.deepEqual(json[i].payload, sent.payload)
  );

  const one = await fetch(`${bus.url}/api/v1/events/2`, { headers: { accept: PB, ...bus.auth } });
  assert.deepEqual(
    messageToEnvelope(decodeEnvelope(new Uint8Array(await one.arrayBuffer()))),
    json[2],
  );
});

Deno.test("protobuf single Event (the probe) and JSON answer by default", async () => {
  await using bus = await startBus();
  const res = await bus.post("/api/v1/events", encodeEvent(fixtureJson("connection_test.json")), {
    "content-type": PB,
  });
  assert.equal(res.status, 200);
  assert.equal(res.json.accepted, 1);
  const [env] = await bus.events();
  assert.equal(env.topic, "system.connection.test");
  assert.deepEqual(env.payload, { message: "Testing event bus connection" });
});

Deno.test("an undecodable protobuf body: 400, kept base64 in the dead-letter store", async () => {
  await using bus = await startBus();
  const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
  const res = await bus.post("/api/v1/events/batch", garbage, { "content-type": PB });
  assert.equal(res.status, 400);
  assert.equal(res.json.status, "error");
  const [dl] = await bus.deadLetters();
  assert.equal(dl.encoding, "base64");
  assert.deepEqual(Uint8Array.from(atob(String(dl.raw)), (c) => c.charCodeAt(0)), garbage);
});
