// Topic statistics across kill -9: events counted before and after the last periodic save
// (every 5 s) are each counted once after the restart, with the right last offsets.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { connectClient, modEvent, publish } from "./_stream_client.ts";

Deno.test("topic statistics are exact after kill -9, whether or not a save came in between", async () => {
  await using bus = await startBus();
  const client = connectClient(bus);
  await publish(client, Array.from({ length: 20 }, (_, i) => modEvent("MONEY_CHANGED", i)));
  await publish(client, Array.from({ length: 10 }, (_, i) => modEvent("HEARTBEAT", i)));
  await new Promise((r) => setTimeout(r, 5_600)); // one periodic save
  await publish(client, Array.from({ length: 5 }, (_, i) => modEvent("MONEY_CHANGED", 100 + i)));
  await publish(client, Array.from({ length: 3 }, (_, i) => modEvent("ROUND_CHANGED", i)));
  const before = (await client.listTopics({})).topics.map((t) => [t.name, t.events, t.lastOffset]);
  await using after = await bus.restart("SIGKILL");
  const topics = await connectClient(after).listTopics({});
  const got = topics.topics.map((t) => [t.name, t.events, t.lastOffset]);
  assert.deepEqual(got, [
    ["game.money.changed", 25n, 34n],
    ["game.round.changed", 3n, 37n],
    ["system.heartbeat", 10n, 29n],
  ]);
  assert.deepEqual(got, before);
});
