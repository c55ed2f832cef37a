// /api/v1/ws as a producer: every batch (JSON text or protobuf binary) is acked by batch_id once
// durable; unusable frames get a specific error and, repeated, a closed socket; pushed commands
// are deleted only when acked and offered again when the socket goes away first.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { modEvent } from "./_stream_client.ts";
import { type Msg, openWsPeer } from "./_ws_client.ts";
import { encodeBatch } from "../../src/proto/mod.ts";
import { MAX_BAD_FRAMES } from "../../src/http/ws.ts";

const stored = (events: Record<string, unknown>[]) =>
  events.map(({ offset: _o, received_at: _r, batch_id: _b, ...rest }) => rest);

Deno.test("ws: JSON and protobuf batches are acked by batch_id and stored alike", async () => {
  await using bus = await startBus();
  const peer = await openWsPeer(`ws://127.0.0.1:${bus.port}/api/v1/ws`);
  const events = [modEvent("MONEY_CHANGED", 1), modEvent("HEARTBEAT", 2)];
  peer.sendJson({ batch_id: "json-1", events, source: "BalatroMCP", timestamp: 1 });
  const ack = await peer.next((m) => m.batch_id === "json-1");
  assert.equal(ack.op, "published");
  assert.equal(ack.accepted, 2);
  const jsonStored = stored(await bus.events());

  await using bus2 = await startBus();
  const peer2 = await openWsPeer(`ws://127.0.0.1:${bus2.port}/api/v1/ws`);
  peer2.sendRaw(encodeBatch({ batch_id: "pb-1", events, source: "BalatroMCP", timestamp: 1 }));
  const ack2 = await peer2.next((m) => m.batch_id === "pb-1");
  assert.equal(ack2.op, "published");
  assert.equal(ack2.accepted, 2);
  assert.deepEqual(stored(await bus2.events()), jsonStored);

  // A resend is acked again and stored once.
  peer2.sendRaw(encodeBatch({ batch_id: "pb-2", events }));
  assert.equal((await peer2.next((m) => m.batch_id === "pb-2")).duplicates, 2);
  assert.equal((await bus2.events()).length, 2);
  await peer.close();
  await peer2.close();
});

Deno.test("ws: unusable frames are answered with why, and repeated ones close the socket", async () => {
  await using bus = await startBus();
  const peer = await openWsPeer(`ws://127.0.0.1:${bus.port}/api/v1/ws`);
  peer.sendRaw("{not json");
  assert.match(String((await peer.next((m) => m.op === "error")).error), /Cannot parse the text/);
  peer.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0x0f]));
  assert.match(String((await peer.next((m) => m.op === "error")).error), /protobuf batch/);
  peer.sendJson({ op: "frobnicate" });
  assert.match(String((await peer.next((m) => m.op === "error")).error), /Unknown op/);
  // A good frame in between resets the count, and still works.
  peer.sendJson({ batch_id: "ok", events: [modEvent("HEARTBEAT", 1)] });
  assert.equal((await peer.next((m) => m.batch_id === "ok")).accepted, 1);
  for (let i = 0; i < MAX_BAD_FRAMES; i++) peer.sendRaw("[]");
  assert.equal(await peer.closed, 1008);
  const warnings = bus.logs.split("\n").filter((l) => l.includes("ws malformed frame"));
  assert.ok(warnings.length >= 1 && warnings.length < MAX_BAD_FRAMES, bus.logs);
});

Deno.test("ws: pushed commands are deleted on ack and redelivered when the socket closes first", async () => {
  await using bus = await startBus();
  const url = `ws://127.0.0.1:${bus.port}/api/v1/ws?commands=1`;
  const a = await openWsPeer(url);
  await bus.post("/api/v1/commands", JSON.stringify({ commands: ["select_card:0", "play_hand"] }));
  const first = await a.next((m) => m.op === "command");
  const second = await a.next((m) => m.op === "command");
  assert.deepEqual([first.command, second.command], ["select_card:0", "play_hand"]);
  a.sendJson({ op: "ack", command: first.id });
  // Leased commands are not handed to the poll meanwhile.
  assert.equal((await bus.get("/api/v1/commands/poll")).text, "");
  await new Promise((r) => setTimeout(r, 200)); // let the ack commit before closing
  await a.close();

  const b = await openWsPeer(url);
  const again: Msg = await b.next((m) => m.op === "command");
  assert.equal(again.command, "play_hand");
  assert.equal(again.id, second.id);
  await b.close();
  // b never acked: the line is back for the REST poll, and the acked one is gone.
  let polled = "";
  for (let i = 0; i < 50 && polled === ""; i++) {
    polled = (await bus.get("/api/v1/commands/poll")).text;
    if (polled === "") await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(polled.trim(), "play_hand");
});
