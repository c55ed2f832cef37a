// The storage conformance suite: every backend (Deno KV, memory, and any later one such as NATS
// JetStream) registers these cases unchanged with its own harness, e.g.
//   storageConformance("memory", () => Promise.resolve(memoryHarness()));
// A harness opens a Storage; opening again after close() must see everything stored (a restart).
import assert from "node:assert/strict";
import type { LogOptions, NewEvent, Storage, StoredEvent } from "../../src/log/mod.ts";
import { compileTopicPatterns } from "../../src/log/mod.ts";

export interface StorageHarness extends AsyncDisposable {
  /** Opens the storage; after the previous one is closed, the same data (a restart). */
  open(opts: LogOptions): Promise<Storage>;
}

/** Options every case uses unless it says otherwise. */
export function logOptions(extra: Partial<LogOptions> = {}): LogOptions {
  return {
    retention: { maxAgeMs: 0, maxEvents: 0, dedupeWindowMs: 86_400_000, dedupeMaxIds: 1_000_000 },
    maxPendingEvents: 1_000_000,
    ...extra,
  };
}

/** An event with a client id (`id`), or one the bus named (null). */
export function event(id: string | null, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    event_id: id ?? crypto.randomUUID(),
    clientEventId: id !== null,
    type: "HEARTBEAT",
    topic: "system.heartbeat",
    source: "test",
    version: 1,
    client_timestamp: 1.25,
    payload: { n: id },
    ...extra,
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function readAll(storage: Storage, from = 0, topics?: string): Promise<StoredEvent[]> {
  const matcher = topics === undefined ? undefined : compileTopicPatterns(topics);
  return collect(storage.log.read(from, { limit: 1e9, topics: matcher }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Case = (harness: StorageHarness) => Promise<void>;

const CASES: Record<string, Case> = {
  "append gives gapless offsets and stores a client event_id once, also after a restart": async (
    h,
  ) => {
    {
      await using s = await h.open(logOptions());
      assert.deepEqual(s.log.bounds(), { first: 0, head: 0 });
      const r = await s.log.append({
        events: [event("a"), event("b"), event("a"), event(null)],
        deadLetters: [],
      });
      assert.deepEqual(r.outcomes, [
        { offset: 0, duplicate: false },
        { offset: 1, duplicate: false },
        { offset: 0, duplicate: true },
        { offset: 2, duplicate: false },
      ]);
      assert.deepEqual(s.log.bounds(), { first: 0, head: 3 });
      const again = await s.log.append({ events: [event("b")], deadLetters: [] });
      assert.deepEqual(again.outcomes, [{ offset: 1, duplicate: true }]);
    }
    await using s = await h.open(logOptions());
    assert.deepEqual(s.log.bounds(), { first: 0, head: 3 });
    const r = await s.log.append({ events: [event("b"), event("c")], deadLetters: [] });
    assert.deepEqual(r.outcomes, [{ offset: 1, duplicate: true }, { offset: 3, duplicate: false }]);
    const ids = (await readAll(s)).map((e) => JSON.parse(e.json).event_id);
    assert.deepEqual(ids.slice(0, 2), ["a", "b"]);
    assert.equal(ids[3], "c");
  },

  "the stored envelope has the documented fields in order, and received_at in both places": async (
    h,
  ) => {
    await using s = await h.open(logOptions());
    const before = Date.now();
    await s.log.append({
      events: [
        event("x", {
          subtype: "s",
          priority: 2,
          batch_id: "b1",
          extras: { k: 1 },
          repairs: [{ path: "/a", kind: "non_finite_number", original: "NaN", replacement: null }],
        }),
        event("y"),
      ],
      deadLetters: [],
    });
    const [x, y] = await readAll(s);
    const env = JSON.parse(x.json);
    assert.deepEqual(Object.keys(env), [
      "offset",
      "event_id",
      "type",
      "subtype",
      "topic",
      "source",
      "version",
      "priority",
      "client_timestamp",
      "received_at",
      "batch_id",
      "payload",
      "extras",
      "repairs",
    ]);
    assert.equal(env.offset, 0);
    assert.equal(env.received_at, x.receivedAt);
    assert.ok(x.receivedAt >= before && x.receivedAt <= Date.now());
    assert.equal(x.topic, "system.heartbeat");
    assert.deepEqual(Object.keys(JSON.parse(y.json)), [
      "offset",
      "event_id",
      "type",
      "topic",
      "source",
      "version",
      "client_timestamp",
      "received_at",
      "payload",
    ]);
  },

  "read filters by topic pattern, starts anywhere and stops at the limit": async (h) => {
    await using s = await h.open(logOptions());
    const topics = ["game.state.update", "system.heartbeat", "game.money.changed", "custom.x"];
    await s.log.append({
      events: Array.from({ length: 40 }, (_, i) => event(`t${i}`, { topic: topics[i % 4] })),
      deadLetters: [],
    });
    assert.equal((await readAll(s, 0, "game.>")).length, 20);
    assert.equal((await readAll(s, 0, "*.*.update,custom.*")).length, 20);
    assert.deepEqual((await readAll(s, 37)).map((e) => e.offset), [37, 38, 39]);
    assert.deepEqual((await readAll(s, 100)).length, 0);
    const some = await collect(
      s.log.read(5, { limit: 3, topics: compileTopicPatterns("custom.x") }),
    );
    assert.deepEqual(some.map((e) => e.offset), [7, 11, 15]);
    assert.deepEqual(await collect(s.log.read(0, { limit: 0 })), []);
  },

  "concurrent appends get distinct gapless offsets, each read back as answered": async (h) => {
    await using s = await h.open(logOptions());
    const results = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => s.log.append({ events: [event(`c${i}`), event(null)], deadLetters: [] }),
      ),
    );
    const offsets = results.flatMap((r) => r.outcomes.map((o) => o.offset));
    assert.deepEqual([...offsets].sort((a, b) => a - b), [...Array(600).keys()]);
    const byOffset = new Map((await readAll(s)).map((e) => [e.offset, JSON.parse(e.json)]));
    results.forEach((r, i) => assert.equal(byOffset.get(r.outcomes[0].offset).event_id, `c${i}`));
  },

  "an event of 800 KB is stored and read back whole": async (h) => {
    const big = "é".repeat(400_000);
    {
      await using s = await h.open(logOptions());
      await s.log.append({
        events: [event("small1"), event("big", { payload: { big } }), event("small2")],
        deadLetters: [],
      });
    }
    await using s = await h.open(logOptions());
    const all = await readAll(s);
    assert.deepEqual(all.map((e) => e.offset), [0, 1, 2]);
    assert.equal(JSON.parse(all[1].json).payload.big, big);
    assert.equal(JSON.parse((await readAll(s, 1))[0].json).event_id, "big");
  },

  "dead letters get sequence numbers that continue after a restart": async (h) => {
    const raw = "x".repeat(200_000);
    {
      await using s = await h.open(logOptions());
      const r = await s.log.append({
        events: [event("ok")],
        deadLetters: [
          { reason: "r1", raw: "1", route: "/t", index: 3, batch_id: "b" },
          { reason: "r2", raw, route: "/t" },
        ],
      });
      assert.deepEqual(r.deadLetterSeqs, [0, 1]);
      assert.deepEqual(r.outcomes, [{ offset: 0, duplicate: false }]);
    }
    await using s = await h.open(logOptions());
    const r = await s.log.append({
      events: [],
      deadLetters: [{ reason: "r3", raw: "3", route: "/u", encoding: "base64" }],
    });
    assert.deepEqual(r.deadLetterSeqs, [2]);
    const letters = (await collect(s.log.readDeadLetters(0, 10))).map((l) => JSON.parse(l));
    assert.deepEqual(letters.map((l) => [l.seq, l.reason, l.raw.length, l.route]), [
      [0, "r1", 1, "/t"],
      [1, "r2", 200_000, "/t"],
      [2, "r3", 1, "/u"],
    ]);
    assert.equal(letters[0].index, 3);
    assert.equal(letters[0].batch_id, "b");
    assert.equal(letters[2].encoding, "base64");
    assert.equal(typeof letters[0].received_at, "number");
    const tail = (await collect(s.log.readDeadLetters(1, 1))).map((l) => JSON.parse(l).seq);
    assert.deepEqual(tail, [1]);
    assert.deepEqual(await collect(s.log.readDeadLetters(0, 0)), []);
  },

  "head listeners hear every advance with only durable events; errors are reported": async (h) => {
    const errors: unknown[] = [];
    await using s = await h.open(logOptions({ onBackgroundError: (e) => errors.push(e) }));
    const heard: { head: number; offsets: number[] }[] = [];
    const stop = s.log.onHead((head, events) => {
      assert.ok(head <= s.log.bounds().head, "a listener ran before the head was visible");
      heard.push({ head, offsets: events.map((e) => e.offset) });
    });
    let thrown = 0;
    s.log.onHead(() => {
      thrown++;
      throw new Error("listener bug");
    });
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => s.log.append({ events: [event(`h${i}`)], deadLetters: [] }),
      ),
    );
    assert.equal(heard.at(-1)?.head, 20);
    for (let i = 1; i < heard.length; i++) assert.ok(heard[i].head > heard[i - 1].head);
    const seen = heard.flatMap((x) => x.offsets.map((o) => [o, x.head]));
    for (const [offset, head] of seen) assert.ok(offset < head, `event ${offset} at head ${head}`);
    assert.equal(new Set(seen.map(([o]) => o)).size, seen.length, "an event was handed over twice");
    assert.ok(thrown > 0);
    assert.equal(errors.length, thrown, "every listener failure is reported");
    stop();
    const count = heard.length;
    await s.log.append({ events: [event("after")], deadLetters: [] });
    assert.equal(heard.length, count, "a stopped listener was called");
  },

  "offsetAtTime finds the first event received at or after a time": async (h) => {
    await using s = await h.open(logOptions());
    assert.equal(await s.log.offsetAtTime(Date.now()), 0);
    await s.log.append({ events: [event("a1"), event("a2")], deadLetters: [] });
    await sleep(30);
    await s.log.append({ events: [event("b1"), event("b2"), event("b3")], deadLetters: [] });
    await sleep(30);
    await s.log.append({ events: [event("c1")], deadLetters: [] });
    const all = await readAll(s);
    const [tA, tB, tC] = [all[0].receivedAt, all[2].receivedAt, all[5].receivedAt];
    assert.ok(tA < tB && tB < tC, "the batches were received in the same millisecond");
    assert.equal(await s.log.offsetAtTime(0), 0);
    assert.equal(await s.log.offsetAtTime(tA), 0);
    assert.equal(await s.log.offsetAtTime(tA + 1), 2);
    assert.equal(await s.log.offsetAtTime(tB), 2);
    assert.equal(await s.log.offsetAtTime(tC), 5);
    assert.equal(await s.log.offsetAtTime(tC + 1), 6);
  },

  "topic statistics count each stored event once and survive a restart": async (h) => {
    {
      await using s = await h.open(logOptions());
      await s.log.append({
        events: [
          event("1", { topic: "game.a" }),
          event("2", { topic: "game.b" }),
          event("1", { topic: "game.a" }), // duplicate: not counted
          event(null, { topic: "game.a" }),
          event(null, { topic: "system.x" }),
        ],
        deadLetters: [],
      });
      assert.deepEqual(await s.log.topicStats(), [
        { name: "game.a", events: 2, lastOffset: 2 },
        { name: "game.b", events: 1, lastOffset: 1 },
        { name: "system.x", events: 1, lastOffset: 3 },
      ]);
    }
    await using s = await h.open(logOptions());
    await s.log.append({ events: [event("5", { topic: "game.b" })], deadLetters: [] });
    assert.deepEqual(await s.log.topicStats(compileTopicPatterns("game.*")), [
      { name: "game.a", events: 2, lastOffset: 2 },
      { name: "game.b", events: 2, lastOffset: 4 },
    ]);
  },

  "topic statistics hold thousands of topics (no single-value ceiling)": async (h) => {
    const n = 3_000;
    const topic = (i: number) => `custom.${"t".repeat(40)}${i}`;
    {
      await using s = await h.open(logOptions());
      await s.log.append({
        events: Array.from({ length: n }, (_, i) => event(null, { topic: topic(i) })),
        deadLetters: [],
      });
    }
    await using s = await h.open(logOptions());
    const stats = await s.log.topicStats();
    assert.equal(stats.length, n);
    assert.ok(stats.every((t) => t.events === 1));
  },

  "consumer-group offsets: commit, rewind, list, delete, kept across a restart": async (h) => {
    {
      await using s = await h.open(logOptions());
      assert.equal(await s.groups.get("g1"), undefined);
      await s.groups.commit("g1", 10);
      await s.groups.commit("g2", 3);
      await s.groups.commit("g1", 7); // a deliberate rewind
      await s.groups.commit("gone", 1);
      await s.groups.delete("gone");
      await s.groups.delete("never-existed");
      assert.equal(await s.groups.get("g1"), 7);
    }
    await using s = await h.open(logOptions());
    assert.deepEqual(await s.groups.list(), new Map([["g1", 7], ["g2", 3]]));
    assert.equal(await s.groups.get("gone"), undefined);
    const odd = "ünïcode/ group:with.dots " + "x".repeat(200);
    await s.groups.commit(odd, 0);
    assert.equal(await s.groups.get(odd), 0);
  },

  "command queue: ordered, peek keeps, remove removes, numbers never reused": async (h) => {
    {
      await using s = await h.open(logOptions());
      assert.deepEqual(await s.commands.peek(10), []);
      const seqs = await s.commands.append(["c0", "c1", "c2"]);
      assert.deepEqual(seqs.length, 3);
      assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2]);
      const waiting = await s.commands.peek(2);
      assert.deepEqual(waiting.map((c) => c.line), ["c0", "c1"]);
      assert.deepEqual((await s.commands.peek(10)).length, 3, "peek removed lines");
      await s.commands.remove([waiting[0].seq, 999_999]);
      assert.deepEqual((await s.commands.peek(10)).map((c) => c.line), ["c1", "c2"]);
    }
    await using s = await h.open(logOptions());
    const queued = await s.commands.peek(10);
    assert.deepEqual(queued.map((c) => c.line), ["c1", "c2"]);
    await s.commands.remove(queued.map((c) => c.seq));
    const [next] = await s.commands.append(["c3"]);
    assert.ok(next > queued[1].seq, "a sequence number was reused");
    const many = Array.from({ length: 2_500 }, (_, i) => `m${i}`);
    await s.commands.append(many);
    const all = await s.commands.peek(10_000);
    assert.deepEqual(all.map((c) => c.line), ["c3", ...many]);
    await s.commands.remove(all.map((c) => c.seq));
    assert.deepEqual(await s.commands.peek(10), []);
  },

  "coordinator state: compare-and-set and prefix listing, kept across a restart": async (h) => {
    const v = (n: number) => new Uint8Array([n]);
    {
      await using s = await h.open(logOptions());
      assert.equal(await s.coordinator.get("lease/a"), null);
      const v1 = await s.coordinator.swap("lease/a", v(1), null);
      assert.ok(v1 !== null);
      assert.equal(await s.coordinator.swap("lease/a", v(2), null), null, "absent was expected");
      const v2 = await s.coordinator.swap("lease/a", v(2), v1);
      assert.ok(v2 !== null && v2 !== v1);
      assert.equal(await s.coordinator.swap("lease/a", v(3), v1), null, "a stale version won");
      await s.coordinator.swap("lease/b", v(4), null);
      await s.coordinator.swap("limit/x", v(5), null);
    }
    await using s = await h.open(logOptions());
    const a = await s.coordinator.get("lease/a");
    assert.deepEqual(a?.value, v(2));
    assert.deepEqual((await s.coordinator.list("lease/")).sort(), ["lease/a", "lease/b"]);
    assert.deepEqual(await s.coordinator.list("lease"), await s.coordinator.list("lease/"));
    await s.coordinator.swap("leases/c", v(7), null);
    assert.equal((await s.coordinator.list("lease")).length, 2);
    assert.ok((await s.coordinator.swap("lease/a", v(6), a!.version)) !== null);
  },

  "close is idempotent and finishes pending appends; appends after it are refused": async (h) => {
    const s = await h.open(logOptions());
    const pending = s.log.append({ events: [event("p1"), event("p2")], deadLetters: [] });
    const closed = s.close();
    const r = await pending;
    await closed;
    await s.close();
    await assert.rejects(s.log.append({ events: [event("late")], deadLetters: [] }));
    await using again = await h.open(logOptions());
    assert.equal(again.log.bounds().head, r.outcomes.length);
  },

  "the tracking store lists in key order under a prefix, deletes, takes large writes, and keeps them across a restart":
    async (h) => {
      {
        await using s = await h.open(logOptions());
        await s.tracking.write([
          { key: ["metric", "r1", "loss", 10], value: { v: 10 } },
          { key: ["metric", "r1", "loss", 2], value: { v: 2 } },
          { key: ["metric", "r1", "loss", "x"], value: { v: "x" } },
          { key: ["metric", "r1", "loss"], value: "the prefix itself" },
          { key: ["metric", "r10", "loss", 1], value: { v: "other run" } },
        ]);
        const listed = await s.tracking.list<{ v: unknown }>(["metric", "r1", "loss"]);
        // Strings before numbers, numbers in order: Deno KV's key order, which every backend keeps.
        assert.deepEqual(listed.map((e) => e.value.v), ["x", 2, 10]);
        assert.deepEqual(listed[1].key, ["metric", "r1", "loss", 2]);
        await s.tracking.write([{ key: ["metric", "r1", "loss", 2], value: null }]);
        assert.equal(await s.tracking.get(["metric", "r1", "loss", 2]), undefined);
        // More writes than one Deno KV atomic operation takes: all of them land.
        const many = Array.from(
          { length: 1300 },
          (_, i) => ({ key: ["p", i], value: "x".repeat(900) }),
        );
        await s.tracking.write(many);
      }
      await using again = await h.open(logOptions());
      assert.equal(await again.tracking.get(["metric", "r1", "loss"]), "the prefix itself");
      assert.equal((await again.tracking.list(["p"])).length, 1300);
      assert.equal((await again.tracking.get<string>(["p", 1299]))?.length, 900);
    },
};

/** Registers every case for one backend; `harness` makes a fresh, empty one per case. */
export function storageConformance(name: string, harness: () => Promise<StorageHarness>): void {
  for (const [title, run] of Object.entries(CASES)) {
    Deno.test(`${name} storage: ${title}`, async () => {
      await using h = await harness();
      await run(h);
    });
  }
}
