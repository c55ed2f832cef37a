// The command queue over the memory store and through REST, in process: order, each line
// delivered once even to concurrent takers, lines kept across a restart until taken.
import assert from "node:assert/strict";
import { CommandQueue } from "../../src/commands/mod.ts";
import { MemoryBackend, MemoryCommandStore } from "../../src/log/mod.ts";
import { inProcessApp } from "../app/_in_process.ts";

Deno.test("concurrent takers never get the same line, and every line is delivered in order", async () => {
  const queue = new CommandQueue(new MemoryCommandStore());
  const lines = Array.from({ length: 500 }, (_, i) => `cmd:${i}`);
  await Promise.all([queue.enqueue(lines.slice(0, 250)), queue.enqueue(lines.slice(250))]);
  const takes = await Promise.all(Array.from({ length: 20 }, () => queue.take(40)));
  const taken = takes.flat();
  assert.equal(new Set(taken).size, taken.length, "a line was delivered twice");
  assert.deepEqual(taken, lines);
  assert.deepEqual(await queue.take(10), []);
});

Deno.test("enqueue listeners hear every durable enqueue; leases hide lines until acked or released", async () => {
  const queue = new CommandQueue(new MemoryCommandStore());
  let heard = 0;
  const stop = queue.onEnqueue(() => heard++);
  await queue.enqueue(["a", "b", "c"]);
  const leased = await queue.lease(2);
  assert.deepEqual(leased.map((c) => c.line), ["a", "b"]);
  assert.deepEqual(await queue.take(10), ["c"], "a poll skips leased lines");
  queue.release([leased[1].id]); // "b": its consumer went away unacked
  assert.equal(heard, 2, "a release is heard like an enqueue");
  await queue.ack([leased[0].id, 12345]); // a late or foreign ack is ignored
  assert.deepEqual(await queue.take(10), ["b"], "acked lines are gone, released ones come back");
  stop();
  await queue.enqueue(["d"]);
  assert.equal(heard, 2);
});

Deno.test("a failing enqueue listener is reported; the durable enqueue still succeeds", async () => {
  const errors: unknown[] = [];
  const queue = new CommandQueue(new MemoryCommandStore(), (err) => errors.push(err));
  queue.onEnqueue(() => {
    throw new Error("push failed");
  });
  let heard = 0;
  queue.onEnqueue(() => heard++);
  await queue.enqueue(["a"]);
  assert.equal(heard, 1, "later listeners still run");
  assert.equal((errors[0] as Error).message, "push failed");
  assert.deepEqual(await queue.take(5), ["a"]);
});

Deno.test("POST /api/v1/commands then GET /api/v1/commands/poll, across a restart", async () => {
  const backend = new MemoryBackend();
  {
    await using bus = await inProcessApp([], backend);
    const res = await bus.request("/api/v1/commands", {
      method: "POST",
      body: JSON.stringify({ commands: ["select_card:0", "play_hand"] }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).queued, 2);
  }
  await using bus = await inProcessApp([], backend);
  const poll = await bus.request("/api/v1/commands/poll");
  assert.equal(poll.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await poll.text(), "select_card:0\nplay_hand\n");
  assert.equal(await (await bus.request("/api/v1/commands/poll")).text(), "");
  const bad = await bus.request("/api/v1/commands", {
    method: "POST",
    body: JSON.stringify({ commands: [42] }),
    headers: { "content-type": "application/json" },
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).status, "error");
});
