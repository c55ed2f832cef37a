// `main.ts replay`: a range of one bus's log to stdout as NDJSON, or re-published into another.
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

Deno.test("main.ts replay writes a range as NDJSON and re-publishes a topic into another bus", async () => {
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
