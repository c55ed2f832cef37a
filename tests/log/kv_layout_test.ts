// Data dirs written before the keyspace had one prefix per owner (layout 1) are converted on
// open, keeping every event, dead letter, queued command and group offset; a file of a newer
// layout is refused with one sentence.
import assert from "node:assert/strict";
import { StartupError } from "../../src/errors.ts";
import { openKvStorage } from "../../src/log/mod.ts";
import { event, logOptions } from "./_storage_cases.ts";

/** Moves every key of the current layout back to where layout 1 kept it. */
async function downgrade(path: string): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    const moves: [Deno.KvKey, Deno.KvKey, unknown][] = [];
    for await (const e of kv.list({ prefix: [] })) {
      const [owner, ...rest] = e.key;
      let old: Deno.KvKey | null = null;
      if (owner === "log") old = rest;
      else if (owner === "commands") {
        old = rest[0] === "next" ? ["meta", "cmdhead"] : ["cmd", rest[1]];
      } else if (owner === "groups") old = ["group", rest[0], "offset"];
      else if (owner === "topics" || owner === "layout") old = null;
      else continue; // coord: the same in both layouts
      moves.push([e.key, old ?? [], e.value]);
    }
    for (const [from, to, value] of moves) {
      await kv.delete(from);
      if (to.length > 0) await kv.set(to, value);
    }
    await kv.set(["bus", "topics"], { covered: 0, topics: [] }); // the old topic index
  } finally {
    kv.close();
  }
}

async function keysOf(path: string): Promise<string[]> {
  const kv = await Deno.openKv(path);
  const owners = new Set<string>();
  for await (const e of kv.list({ prefix: [] })) owners.add(String(e.key[0]));
  kv.close();
  return [...owners].sort();
}

Deno.test("a layout-1 data dir is converted on open and keeps everything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-layout-" });
  const path = `${dir}/jimbot.kv`;
  const big = "x".repeat(150_000);
  {
    await using s = await openKvStorage(path, logOptions());
    await s.log.append({
      events: [event("a", { topic: "game.a" }), event("b", { payload: { big } }), event(null)],
      deadLetters: [{ reason: "r", raw: "raw", route: "/t" }],
    });
    await s.commands.append(["c0", "c1"]);
    await s.groups.commit("g", 1);
    await s.coordinator.swap("lease/x", new Uint8Array([7]), null);
  }
  await downgrade(path);
  assert.deepEqual(await keysOf(path), [
    "big",
    "bus",
    "cmd",
    "coord",
    "dl",
    "ev",
    "group",
    "idx",
    "meta",
  ]);
  let converted = 0;
  {
    await using s = await openKvStorage(path, {
      ...logOptions(),
      onConverted: (n) => converted = n,
    });
    assert.ok(converted > 0);
    assert.deepEqual(s.log.bounds(), { first: 0, head: 3 });
    const events = [];
    for await (const e of s.log.read(0, { limit: 10 })) events.push(JSON.parse(e.json));
    assert.deepEqual(events.map((e) => e.event_id).slice(0, 2), ["a", "b"]);
    assert.equal(events[1].payload.big, big);
    const dup = await s.log.append({ events: [event("a")], deadLetters: [] });
    assert.deepEqual(dup.outcomes, [{ offset: 0, duplicate: true }], "dedupe survived");
    const letters = [];
    for await (const l of s.log.readDeadLetters(0, 10)) letters.push(JSON.parse(l).reason);
    assert.deepEqual(letters, ["r"]);
    assert.deepEqual((await s.commands.peek(10)).map((c) => c.line), ["c0", "c1"]);
    assert.deepEqual([...(await s.commands.append(["c2"]))], [2], "numbering continues");
    assert.equal(await s.groups.get("g"), 1);
    assert.deepEqual((await s.coordinator.get("lease/x"))?.value, new Uint8Array([7]));
    assert.deepEqual((await s.log.topicStats()).map((t) => [t.name, t.events]), [
      ["game.a", 1],
      ["system.heartbeat", 2],
    ]);
  }
  assert.deepEqual(await keysOf(path), ["commands", "coord", "groups", "layout", "log", "topics"]);
  // Opening again converts nothing.
  converted = 0;
  {
    await using _s = await openKvStorage(path, {
      ...logOptions(),
      onConverted: (n) => converted = n,
    });
  }
  assert.equal(converted, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a data dir of a newer layout is refused with one sentence", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-layout-" });
  const kv = await Deno.openKv(`${dir}/jimbot.kv`);
  await kv.set(["layout"], 99);
  kv.close();
  await assert.rejects(openKvStorage(`${dir}/jimbot.kv`, logOptions()), (err) => {
    assert.ok(err instanceof StartupError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /^Cannot start: the data dir was written by a newer JimBot Bus/);
    return true;
  });
  await Deno.remove(dir, { recursive: true });
});
