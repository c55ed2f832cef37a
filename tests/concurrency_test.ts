// The concurrency primitives: Wakeup (no lost wake-up, every waiter woken, aborts reject and
// clean up), Channel (order, close drains, also before its error, fail ends at once) and
// CreditWindow's wait.
import assert from "node:assert/strict";
import { CreditWindow } from "../src/bus/mod.ts";
import { Channel } from "../src/channel.ts";
import { Wakeup } from "../src/wakeup.ts";

Deno.test("a notify before the wait is remembered once", async () => {
  const w = new Wakeup();
  w.notify();
  w.notify();
  await w.wait(); // pending: resolves at once
  let woke = false;
  const second = w.wait().then(() => woke = true);
  await Promise.resolve();
  assert.equal(woke, false, "two notifies with nobody waiting count as one");
  w.notify();
  await second;
  assert.equal(woke, true);
});

Deno.test("notify wakes every waiter; an aborted wait rejects and is forgotten", async () => {
  const w = new Wakeup();
  const ac = new AbortController();
  const a = w.wait();
  const b = w.wait();
  const aborted = w.wait(ac.signal);
  ac.abort(new Error("gone"));
  await assert.rejects(aborted, /gone/);
  w.notify();
  await Promise.all([a, b]);
  // The aborted waiter was removed: this notify finds no waiter and is kept for the next wait.
  w.notify();
  await w.wait();
  await assert.rejects(w.wait(AbortSignal.abort(new Error("already"))), /already/);
});

Deno.test("a producer/consumer loop never misses an item", async () => {
  const w = new Wakeup();
  const queue: number[] = [];
  const got: number[] = [];
  const consumer = (async () => {
    while (got.length < 1_000) {
      while (queue.length > 0) got.push(queue.shift()!);
      if (got.length < 1_000) await w.wait();
    }
  })();
  for (let i = 0; i < 1_000; i++) {
    queue.push(i);
    w.notify();
    if (i % 7 === 0) await Promise.resolve();
  }
  await consumer;
  assert.deepEqual(got, [...Array(1_000).keys()]);
});

Deno.test("Channel: items in order, close ends after the queued ones, push after close is dropped", async () => {
  const c = new Channel<number>();
  const got: number[] = [];
  const reading = (async () => {
    for await (const n of c) got.push(n);
  })();
  c.push(1);
  await Promise.resolve();
  c.push(2);
  c.push(3);
  c.close();
  c.push(4);
  await reading;
  assert.deepEqual(got, [1, 2, 3]);
});

Deno.test("Channel: close with an error ends with it after the queued items", async () => {
  const c = new Channel<number>();
  c.push(1);
  c.push(2);
  c.close(new Error("bad request"));
  c.close(new Error("second"));
  c.push(3);
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const n of c) got.push(n);
  }, /bad request/);
  assert.deepEqual(got, [1, 2]);
});

Deno.test("Channel: fail ends the iteration at once with the first error", async () => {
  const c = new Channel<number>();
  c.push(1);
  c.fail(new Error("first"));
  c.fail(new Error("second"));
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const n of c) got.push(n);
  }, /first/);
  assert.deepEqual(got, []);
});

Deno.test("CreditWindow: wait resolves on a grant, is capped, and rejects on abort", async () => {
  const w = new CreditWindow(10);
  const ac = new AbortController();
  const waiting = w.wait(ac.signal);
  assert.equal(w.grant(25), 10, "capped at the window");
  await waiting;
  w.spend(10);
  const stuck = w.wait(ac.signal);
  ac.abort(new Error("call ended"));
  await assert.rejects(stuck, /call ended/);
});
