/**
 * The receiving side of bench/stream.ts, in its own process so the publisher's client work does
 * not delay receipts: subscribes at the head, prints "ready", then one JSON array of receipt
 * times (epoch ms, sub-ms precision) indexed by the bench event number.
 *
 *   deno run -A bench/_stream_receiver.ts <port> <events> <token>
 * @module
 */
import { parseArgs } from "node:util";
import { connectClient } from "../tests/integration/_stream_client.ts";

const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
const [port, count] = positionals.slice(0, 2).map(Number);
const token = positionals[2];
const gotAt = new Array<number>(count).fill(0);
let received = 0;
const ac = new AbortController();
const encoder = new TextEncoder();
const stream = connectClient({ port, grpcPort: 0, token }).subscribe({
  topics: ["game.score.changed"],
  json: true,
}, {
  signal: ac.signal,
});
const timer = setTimeout(() => ac.abort(), 120_000);
setTimeout(() => Deno.stdout.writeSync(encoder.encode("ready\n")), 300);
try {
  for await (const res of stream) {
    const now = performance.timeOrigin + performance.now();
    for (const d of res.events) {
      const json = d.body.value as string;
      const at = json.indexOf('"event_id":"bench-') + 18;
      gotAt[Number(json.slice(at, json.indexOf('"', at)))] = now;
      received++;
    }
    if (received >= count) break;
  }
} catch { /* timed out: report what arrived */ }
clearTimeout(timer);
ac.abort();
Deno.stdout.writeSync(encoder.encode(JSON.stringify(gotAt) + "\n"));
