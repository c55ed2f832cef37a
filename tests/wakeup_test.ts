// The wait/wake primitive: no lost wake-up, every waiter woken, aborts reject and clean up.
import assert from "node:assert/strict";
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
