// Against the real bus: every mod fixture posted byte for byte, every stored envelope read back
// from the JSON read API, then JSON → protobuf bytes → JSON must give the stored envelope
// exactly, with a typed payload for every event. This pins src/proto/ to what the core stores
// (repairs, extras, generated ids, received_at) rather than to this folder's own stand-in.

import assert from "node:assert/strict";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { EnvelopeSchema, envelopeToMessage, messageToEnvelope } from "../../src/proto/mod.ts";
import { fixture, startBus } from "../integration/_bus.ts";
import { EVENT_FIXTURES } from "./_fixtures.ts";

Deno.test("stored envelopes of every fixture round-trip through protobuf exactly", async () => {
  await using bus = await startBus();
  for (const name of EVENT_FIXTURES) {
    const path = name === "connection_test.json" ? "/api/v1/events" : "/api/v1/events/batch";
    const answer = await bus.post(path, fixture(name));
    assert.equal(answer.status, 200, `${name}: ${answer.text}`);
  }
  const stored = await bus.events();
  assert.ok(stored.length >= 20, `expected the fixtures' events, got ${stored.length}`);
  let repaired = 0;
  for (const envelope of stored) {
    const message = fromBinary(
      EnvelopeSchema,
      toBinary(EnvelopeSchema, envelopeToMessage(envelope)),
    );
    assert.deepStrictEqual(messageToEnvelope(message), envelope);
    assert.notEqual(message.payload.case, "rawPayload", `typed payload for ${envelope.type}`);
    repaired += message.repairs.length;
  }
  assert.equal(repaired, 9, "8 nan/inf repairs and 1 control character, as the fixtures say");
});
