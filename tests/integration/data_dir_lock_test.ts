// One process per data dir: a second bus (or `analytics rebuild`) on a data dir in use exits 1
// with one sentence naming the dir and the holder's pid; nothing acknowledged is lost; a lock
// left by a killed process (kill -9) does not block the next start.
import assert from "node:assert/strict";
import { cli, startBus } from "./_bus.ts";

const BATCH = "/api/v1/events/batch";

function batch(from: number, n: number): string {
  const events = Array.from({ length: n }, (_, i) => ({
    type: "HEARTBEAT",
    event_id: `lock-${from + i}`,
    payload: { i: from + i },
  }));
  return JSON.stringify({ events });
}

Deno.test("a second bus on a data dir in use exits 1 naming the dir and the holder; nothing acknowledged is lost", async () => {
  await using first = await startBus();
  assert.equal((await first.post(BATCH, batch(0, 100))).status, 200);
  const second = await cli(["serve", "--port=0", "--grpc-port=0", `--data-dir=${first.dataDir}`]);
  assert.equal(second.code, 1);
  const lines = second.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one sentence, got:\n${second.stderr}`);
  assert.match(lines[0], /^Cannot start a bus: the data dir .+ is in use by process \d+/);
  assert.ok(lines[0].includes(first.dataDir), lines[0]);
  assert.ok(lines[0].includes(`process ${first.pid}`), lines[0]);
  // The first bus kept working and keeps every acknowledged event across a restart.
  assert.equal((await first.post(BATCH, batch(100, 100))).status, 200);
  const rebuilt = await cli(["analytics", "rebuild", `--data-dir=${first.dataDir}`]);
  assert.equal(rebuilt.code, 1);
  assert.match(rebuilt.stderr.trim(), /^Cannot start analytics rebuild: the data dir .+ is in use/);
  await using after = await first.restart();
  const ids = new Set((await after.events()).map((e) => e.event_id));
  for (let i = 0; i < 200; i++) assert.ok(ids.has(`lock-${i}`), `lock-${i} lost`);
  assert.deepEqual((await after.events()).map((e) => e.offset), [...Array(200).keys()]);
});

Deno.test("the lock of a bus killed with kill -9 does not block the next start", async () => {
  await using bus = await startBus();
  assert.equal((await bus.post(BATCH, batch(0, 10))).status, 200);
  await using again = await bus.restart("SIGKILL");
  assert.equal((await again.events()).length, 10);
  assert.equal((await again.post(BATCH, batch(10, 5))).status, 200);
  const holder = (await Deno.readTextFile(`${again.dataDir}/jimbot.lock`)).trim();
  assert.equal(holder, String(again.pid));
});
