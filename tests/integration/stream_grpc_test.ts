// EventBus over native gRPC (the node:http2 listener on --grpc-port) with a real grpcio client
// (python3 on PATH with grpcio; skipped with the reason without it), and with connect-node's gRPC
// transport.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { anyMissing, pathOf, PYTHON_GRPC, testName } from "../_tools.ts";
import { collect, EARLIEST, grpcClient, modEvent, publish } from "./_stream_client.ts";

const SCRIPT = new URL("./_grpc_client.py", import.meta.url).pathname;
const PYTHON = await PYTHON_GRPC;

/** A test that runs the grpcio client: skipped with the reason when python3 lacks grpcio. */
function grpcioTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: testName(name, PYTHON), ignore: anyMissing(PYTHON), fn });
}

async function py(
  bus: { grpcPort: number; token: string },
  ...args: string[]
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const out = await new Deno.Command(pathOf(PYTHON), {
    args: [SCRIPT, String(bus.grpcPort), ...args],
    env: { JIMBOT_TOKEN: bus.token },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `python failed:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

grpcioTest(
  "grpcio Publish and Subscribe: wildcard patterns, offset order, idempotent re-send",
  async () => {
    await using bus = await startBus();
    const pub = await py(bus, "publish", "300", "MONEY_CHANGED,HEARTBEAT,HAND_PLAYED");
    assert.deepEqual(pub, { accepted: 300, first: 0, last: 299, duplicates: 300 });
    const got = await py(bus, "subscribe", "game.*.changed,system.>", "200");
    assert.equal(got.offsets.length, 200);
    const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 !== 2);
    assert.deepEqual(got.offsets, expected.slice(0, 200));
    assert.ok(got.topics.every((t: string) => t !== "game.hand.played"));
    assert.equal(got.ids[1], "py-1");
    assert.deepEqual(got.payload_case.slice(0, 2), ["money_changed", "heartbeat"]);
  },
);

grpcioTest(
  "grpcio consumer group resumes after its committed offset across a bus restart",
  async () => {
    let bus = await startBus();
    try {
      await py(bus, "publish", "100", "SCORE_CHANGED");
      const first = await py(bus, "group", "py-learner", "30", "commit");
      assert.deepEqual(first.offsets, Array.from({ length: 30 }, (_, i) => i));
      assert.deepEqual(first.lag, [70]);
      bus = await bus.restart("SIGTERM");
      const second = await py(bus, "group", "py-learner", "70", "no");
      assert.deepEqual(second.offsets, Array.from({ length: 70 }, (_, i) => i + 30));
    } finally {
      await bus[Symbol.asyncDispose]();
    }
  },
);

grpcioTest("grpcio replay from an offset range and from a timestamp", async () => {
  await using bus = await startBus();
  await py(bus, "publish", "40", "HEARTBEAT");
  await new Promise((r) => setTimeout(r, 50));
  const cut = Date.now();
  await new Promise((r) => setTimeout(r, 50));
  const client = grpcClient(bus);
  await publish(client, Array.from({ length: 10 }, (_, i) => modEvent("ROUND_CHANGED", i)));
  const range = await py(bus, "replay", "5", "12");
  assert.deepEqual(range.offsets, [5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(range.json_offsets, range.offsets);
  const since = await py(bus, "since", String(cut), "10");
  assert.deepEqual(since.offsets, Array.from({ length: 10 }, (_, i) => i + 40));
  const bad = await py(bus, "bad-pattern");
  assert.equal(bad.code, "INVALID_ARGUMENT");
  // connect-node's gRPC transport on the same port sees the same log.
  const all = await collect(client, { start: EARLIEST, topics: ["game.round.changed"] }, 10);
  assert.equal(Number(all[0].offset), 40);
});
