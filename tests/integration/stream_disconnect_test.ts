// A subscriber that goes away is released at once, even while no event arrives for it (the
// server notices through the request's abort signal, not on its next delivery).
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { connectClient } from "./_stream_client.ts";

async function subscribers(bus: Awaited<ReturnType<typeof startBus>>): Promise<number> {
  const line = (await bus.get("/metrics")).text.split("\n")
    .find((l) => l.startsWith('jimbot_stream_subscribers{protocol="connect"}'));
  return Number(line?.split(" ")[1] ?? 0);
}

Deno.test("an idle Connect subscriber that disconnects is released", async () => {
  await using bus = await startBus();
  const aborted = new AbortController();
  const stream = connectClient(bus).subscribe({}, { signal: aborted.signal });
  const first = stream[Symbol.asyncIterator]().next().catch(() => null);
  for (let i = 0; i < 50 && await subscribers(bus) === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await subscribers(bus), 1);
  aborted.abort();
  await first;
  for (let i = 0; i < 50 && await subscribers(bus) > 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await subscribers(bus), 0);
});
