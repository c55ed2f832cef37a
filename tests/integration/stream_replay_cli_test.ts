// `jimbot replay`: a range of one bus's log to stdout as NDJSON, or re-published into another.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { modEvent } from "./_stream_client.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function replay(
  token: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "replay", "--quiet", ...args],
    env: { JIMBOT_TOKEN: token },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

Deno.test("jimbot replay writes a range as NDJSON and re-publishes a topic into another bus", async () => {
  await using a = await startBus();
  await using b = await startBus();
  const types = ["HEARTBEAT", "MONEY_CHANGED"];
  const events = Array.from({ length: 100 }, (_, i) => modEvent(types[i % 2], i));
  await a.post("/api/v1/events/batch", JSON.stringify({ events }));

  const range = await replay(a.token, "--url", a.url, "--from", "10", "--to", "20");
  assert.equal(range.code, 0, range.err);
  const lines = range.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((e) => e.offset), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(lines[1].event_id, "money_changed-11");

  const copy = await replay(a.token, "--url", a.url, "--publish", b.url, "--topics", "game.>");
  assert.equal(copy.code, 0, copy.err);
  const copied = await b.events();
  assert.equal(copied.length, 50);
  assert.deepEqual(copied[0].payload, events[1].payload);
  assert.equal(copied[0].event_id, "money_changed-1");
  const again = await replay(a.token, "--url", a.url, "--publish", b.url, "--topics", "game.>");
  assert.equal(again.code, 0, again.err);
  assert.equal((await b.events()).length, 50); // event_ids kept: the repeat is idempotent

  const bad = await replay(a.token, "--url", a.url, "--speed", "fast");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--speed/);
});

Deno.test("replay ends at the head when --to is beyond it, and says how many events", async () => {
  await using a = await startBus();
  const events = Array.from({ length: 12 }, (_, i) => modEvent("HEARTBEAT", i));
  await a.post("/api/v1/events/batch", JSON.stringify({ events }));
  const res = await replay(a.token, "--url", a.url, "--from", "3", "--to", "5000");
  assert.equal(res.code, 0, res.err);
  assert.equal(res.out.trim().split("\n").length, 9);
  assert.equal(
    res.err.trim(),
    `replayed 9 events from ${a.url}; stopped at the log head (offset 12)`,
  );

  const within = await replay(a.token, "--url", a.url, "--to", "4");
  assert.equal(within.err.trim(), `replayed 4 events from ${a.url}; stopped at --to 4`);

  const published = await replay(a.token, "--url", a.url, "--publish", a.url, "--from", "10");
  assert.equal(
    published.err.trim(),
    `published 2 events into ${a.url} from ${a.url}; stopped at the log head (offset 12)`,
  );

  await using empty = await startBus();
  const none = await replay(empty.token, "--url", empty.url);
  assert.equal(none.code, 0, none.err);
  assert.equal(none.out, "");
  assert.equal(
    none.err.trim(),
    `replayed 0 events from ${empty.url}; stopped at the log head (offset 0)`,
  );
});

Deno.test("replay --follow keeps waiting and delivers events posted after it started", async () => {
  await using a = await startBus();
  await a.post("/api/v1/events/batch", JSON.stringify({ events: [modEvent("HEARTBEAT", 0)] }));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "replay", "--quiet", "--follow", "--url", a.url, "--to", "3"],
    env: { JIMBOT_TOKEN: a.token },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1_500)); // it is waiting at the head now
  const later = [modEvent("HEARTBEAT", 1), modEvent("HEARTBEAT", 2)];
  await a.post("/api/v1/events/batch", JSON.stringify({ events: later }));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  const offsets = dec.decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l).offset);
  assert.deepEqual(offsets, [0, 1, 2]);
  assert.equal(dec.decode(out.stderr).trim(), `replayed 3 events from ${a.url}; stopped at --to 3`);
});
