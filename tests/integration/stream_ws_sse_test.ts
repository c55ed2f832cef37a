// WebSocket /api/v1/ws and SSE /api/v1/stream: each client gets what it subscribed to; the
// WebSocket also publishes in the batch shape and gets queued commands pushed.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { modEvent } from "./_stream_client.ts";

type Msg = Record<string, unknown>;

/** A WebSocket with a queue of parsed messages (anonymous, like the mod, without headers). */
async function openWs(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const inbox: Msg[] = [];
  let wake: (() => void) | null = null;
  ws.onmessage = (e) => {
    inbox.push(JSON.parse(e.data));
    wake?.();
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const next = async (pred: (m: Msg) => boolean = () => true, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (Date.now() > deadline) {
        throw new Error(`no message matched; inbox: ${JSON.stringify(inbox)}`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  const closed = new Promise((r) => ws.onclose = r);
  return {
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    next,
    close: async () => {
      ws.close();
      await closed;
    },
  };
}

Deno.test("WebSocket: publish in the batch shape, receive subscribed topics, get commands pushed", async () => {
  await using bus = await startBus();
  const wsUrl = `ws://127.0.0.1:${bus.port}/api/v1/ws`;
  const mod = await openWs(`${wsUrl}?commands=1`);
  const bot = await openWs(wsUrl, bus.auth);
  bot.send({ op: "subscribe", topics: "game.>", from: "latest" });
  assert.equal((await bot.next((m) => m.op === "subscribed")).position, 0);

  mod.send({
    id: 1,
    batch_id: "ws-1",
    events: [modEvent("MONEY_CHANGED", 1), modEvent("HEARTBEAT", 2), modEvent("HAND_PLAYED", 3)],
  });
  const published = await mod.next((m) => m.op === "published");
  assert.equal(published.accepted, 3);
  assert.equal(published.id, 1);
  mod.send(modEvent("ROUND_CHANGED", 4)); // a single event is a batch of one
  assert.equal((await mod.next((m) => m.op === "published")).accepted, 1);

  const topics = [];
  for (let i = 0; i < 3; i++) {
    const m = await bot.next((m) => m.op === "event");
    topics.push((m.event as Msg).topic);
  }
  assert.deepEqual(topics, ["game.money.changed", "game.hand.played", "game.round.changed"]);

  // A command queued over REST reaches the mod's socket at once, not the poll.
  const started = performance.now();
  await bus.post("/api/v1/commands", JSON.stringify({ command: "play_hand" }));
  const cmd = await mod.next((m) => m.op === "command");
  assert.equal(cmd.command, "play_hand");
  assert.ok(performance.now() - started < 1_000);
  assert.equal((await bus.get("/api/v1/commands/poll")).text, "");

  bot.send({ op: "subscribe", topics: "x" });
  assert.match(String((await bot.next((m) => m.op === "error")).error), /already/);
  await mod.close();
  await bot.close();
});

Deno.test("WebSocket: a consumer group resumes after its ack", async () => {
  await using bus = await startBus();
  const wsUrl = `ws://127.0.0.1:${bus.port}/api/v1/ws`;
  const events = Array.from({ length: 10 }, (_, i) => modEvent("HEARTBEAT", i));
  await bus.post("/api/v1/events/batch", JSON.stringify({ events }));
  const a = await openWs(wsUrl, bus.auth);
  a.send({ op: "subscribe", from: "earliest", group: "ws-g" });
  for (let i = 0; i < 4; i++) await a.next((m) => m.op === "event");
  a.send({ op: "ack", offset: 3 });
  await new Promise((r) => setTimeout(r, 200)); // acks are coalesced (50 ms)
  await a.close();
  const b = await openWs(wsUrl, bus.auth);
  b.send({ op: "subscribe", from: "earliest", group: "ws-g" });
  assert.equal((await b.next((m) => m.op === "subscribed")).position, 4);
  assert.equal(((await b.next((m) => m.op === "event")).event as Msg).offset, 4);
  await b.close();
});

/** Reads SSE frames until `count` events arrived. */
async function readSse(url: string, count: number, headers: HeadersInit = {}) {
  const res = await fetch(url, { headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const events: { id: string; event: string; data: Msg }[] = [];
  let buffered = "";
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const fields = Object.fromEntries(
        frame.split("\n").filter((l) => !l.startsWith(":")).map((l) => {
          const i = l.indexOf(": ");
          return [l.slice(0, i), l.slice(i + 2)];
        }),
      );
      if (fields.data) {
        events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  }
  await reader.cancel();
  return events.slice(0, count);
}

Deno.test("SSE: /api/v1/stream?topics=&from= sends matching events, live and resumed by Last-Event-ID", async () => {
  await using bus = await startBus();
  const types = ["HEARTBEAT", "MONEY_CHANGED", "SCORE_CHANGED"];
  const events = Array.from({ length: 30 }, (_, i) => modEvent(types[i % 3], i));
  await bus.post("/api/v1/events/batch", JSON.stringify({ events }));
  const url = `${bus.url}/api/v1/stream?topics=game.*.changed&from=earliest`;
  const got = await readSse(url, 20, bus.auth);
  assert.equal(got.length, 20);
  assert.ok(got.every((e) => e.event.startsWith("game.")));
  assert.deepEqual(got.map((e) => Number(e.id)), got.map((e) => e.data.offset));
  assert.equal(got[0].data.offset, 1);

  const resumed = await readSse(url, 3, { "last-event-id": "25", ...bus.auth });
  assert.deepEqual(resumed.map((e) => e.data.offset), [26, 28, 29]);

  const live = readSse(`${bus.url}/api/v1/stream?topics=system.heartbeat`, 1, bus.auth);
  await new Promise((r) => setTimeout(r, 300));
  await bus.post("/api/v1/events", JSON.stringify(modEvent("HEARTBEAT", 99)));
  assert.equal((await live)[0].data.offset, 30);

  const bad = await bus.get("/api/v1/stream?topics=game.>.x");
  assert.equal(bad.status, 400);
});
