// The command queue for the mod: order, once-only delivery, persistence across restarts.
import assert from "node:assert/strict";
import { fixture, startBus } from "./_bus.ts";
import { rawRequest } from "./_mod_client.ts";

const POLL = "/api/v1/commands/poll";

async function poll(port: number): Promise<string> {
  const res = await rawRequest(port, POLL, { headers: { "Content-Type": "text/plain" } });
  assert.equal(res.status, 200);
  assert.match(res.headers["content-type"], /^text\/plain/);
  assert.equal(res.headers["transfer-encoding"], undefined);
  return res.body;
}

Deno.test("commands_enqueue.json: the next poll answers commands_poll_response.txt, the one after is empty", async () => {
  await using bus = await startBus();
  const res = await bus.post("/api/v1/commands", fixture("commands_enqueue.json"));
  assert.equal(res.status, 200);
  assert.equal(res.json.queued, 3);
  assert.equal(
    await poll(bus.port),
    new TextDecoder().decode(fixture("commands_poll_response.txt")),
  );
  assert.equal(await poll(bus.port), "");
});

Deno.test("the three queue shapes of the protocol doc", async () => {
  await using bus = await startBus();
  await bus.post("/api/v1/commands", fixture("commands_enqueue_legacy.json"));
  await bus.post("/api/v1/commands", JSON.stringify({ command: "select_card", args: ["3"] }));
  await bus.post("/api/v1/commands", JSON.stringify({ type: "buy_joker", payload: {} }));
  await bus.post(
    "/api/v1/commands",
    JSON.stringify({ type: "select_card", payload: { position: 4 } }),
  );
  await bus.post("/api/v1/commands", JSON.stringify({ command: "play_hand" }));
  assert.equal(
    await poll(bus.port),
    "select_card:0\nselect_card:3\nbuy_joker\nselect_card:4\nplay_hand\n",
  );
});

Deno.test("concurrent enqueues and polls: each command delivered exactly once, in order", async () => {
  await using bus = await startBus();
  const total = 120;
  for (let i = 0; i < total; i += 10) {
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, j) =>
          bus.post("/api/v1/commands", JSON.stringify({ commands: [`select_card:${i + j}`] })),
      ),
    );
  }
  const bodies = await Promise.all(Array.from({ length: 8 }, () => poll(bus.port)));
  const delivered = bodies.flatMap((b) => b.split("\n").filter(Boolean));
  assert.equal(delivered.length, total);
  assert.equal(new Set(delivered).size, total, "no command delivered twice");
  // Within each poll the lines come oldest first: the ten enqueued together may interleave,
  // but no line of a later group of ten comes before one of an earlier group.
  for (const b of bodies) {
    const groups = b.split("\n").filter(Boolean).map((l) =>
      Math.floor(Number(l.split(":")[1]) / 10)
    );
    assert.deepEqual(groups, [...groups].sort((a, b) => a - b));
  }
  assert.equal(await poll(bus.port), "");
});

Deno.test("queued commands survive a crash and are then delivered once", async () => {
  const bus = await startBus();
  await bus.post(
    "/api/v1/commands",
    JSON.stringify({ commands: ["start_new_run", "select_small_blind"] }),
  );
  const after = await bus.restart("SIGKILL");
  await using _ = after;
  assert.equal(await poll(after.port), "start_new_run\nselect_small_blind\n");
  const again = await after.restart("SIGTERM");
  await using __ = again;
  assert.equal(await poll(again.port), "", "delivered commands stay delivered after a restart");
});
