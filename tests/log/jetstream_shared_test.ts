// Several bus processes on one JetStream namespace (here: several storages, each with its own
// connection, on one real nats-server): one order for all, dedupe across them also after
// JetStream's own duplicate window, commands taken once, compare-and-set across them.
import assert from "node:assert/strict";
import { openJetStreamStorage } from "../../src/log/jetstream/mod.ts";
import type { Storage, StoredEvent } from "../../src/log/mod.ts";
import { NATS_MISSING, NatsCluster } from "../_nats_server.ts";
import { event, logOptions } from "./_storage_cases.ts";

const skip = NATS_MISSING ? ` (skipped: ${NATS_MISSING})` : "";

function open(urls: string[], namespace: string): Promise<Storage> {
  return openJetStreamStorage({
    ...logOptions(),
    nats: { servers: urls, namespace, replicas: 1 },
    serverDedupeWindowMs: 1_000,
  });
}

async function readAll(s: Storage): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of s.log.read(0, { limit: 1e9 })) out.push(e);
  return out;
}

Deno.test({
  name: `jetstream: several processes share one log, dedupe, commands and state${skip}`,
  ignore: NATS_MISSING !== null,
  async fn() {
    await using nats = await NatsCluster.start(1);
    await using a = await open(nats.urls, "shared");
    await using b = await open(nats.urls, "shared");
    const heardByB: number[] = [];
    b.log.onHead((_, events) => heardByB.push(...events.map((e) => e.offset)));

    // Both append at once, half of the ids on both: each id is stored once.
    const ids = Array.from({ length: 200 }, (_, i) => `id${i}`);
    const appends = ids.flatMap((id, i) => {
      const on = i % 2 ? [a, b] : [i % 4 ? a : b];
      return on.map((s) => s.log.append({ events: [event(id), event(null)], deadLetters: [] }));
    });
    await Promise.all(appends);
    const fromA = await readAll(a);
    const fromB = await readAll(b);
    assert.deepEqual(fromB, fromA, "one order for every process");
    assert.deepEqual(fromA.map((e) => e.offset), [...fromA.keys()]);
    const stored = fromA.map((e) => JSON.parse(e.json).event_id);
    assert.equal(stored.filter((id) => id.startsWith("id")).length, ids.length);
    assert.equal(new Set(stored).size, stored.length);
    assert.equal(a.log.bounds().head, fromA.length);
    assert.deepEqual(heardByB.toSorted((x, y) => x - y), [...fromA.keys()], "B heard A's events");

    // Past JetStream's duplicate window (1 s here) the id index still answers: a resend on the
    // other process is a duplicate, with the first offset.
    await new Promise((r) => setTimeout(r, 1_500));
    const first = (await a.log.append({ events: [event("late")], deadLetters: [] })).outcomes[0];
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await b.log.append({ events: [event("late"), event("id7")], deadLetters: [] });
    assert.deepEqual(again.outcomes, [
      { offset: first.offset, duplicate: true },
      { offset: fromA.findIndex((e) => JSON.parse(e.json).event_id === "id7"), duplicate: true },
    ]);
    // A process opened later rebuilds the index from the stream.
    {
      await using c = await open(nats.urls, "shared");
      const r = await c.log.append({ events: [event("late")], deadLetters: [] });
      assert.deepEqual(r.outcomes, [{ offset: first.offset, duplicate: true }]);
    }

    // Commands queued on A are taken by one process each, also when both peek at once.
    const lines = Array.from({ length: 50 }, (_, i) => `c${i}`);
    await a.commands.append(lines);
    const [pa, pb] = await Promise.all([a.commands.peek(100), b.commands.peek(100)]);
    assert.deepEqual([...pa, ...pb].map((c) => c.line).sort(), [...lines].sort());
    await b.commands.remove(pb.map((c) => c.seq));
    // Lines A claimed but did not remove go back when A closes.
    await a.close();
    const left = await b.commands.peek(100);
    assert.deepEqual(left.map((c) => c.line), pa.map((c) => c.line));

    // Compare-and-set across processes: of two writers expecting one version, one wins.
    await using c = await open(nats.urls, "shared");
    const v0 = await b.coordinator.swap("lease/x", new Uint8Array([0]), null);
    const wins = await Promise.all([
      b.coordinator.swap("lease/x", new Uint8Array([1]), v0),
      c.coordinator.swap("lease/x", new Uint8Array([2]), v0),
    ]);
    assert.equal(wins.filter((v) => v !== null).length, 1);
    assert.equal(await c.coordinator.swap("lease/x", new Uint8Array([3]), null), null);
  },
});
