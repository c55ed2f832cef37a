// Acknowledged means durable: a client posts continuously while the bus is killed with SIGKILL,
// on every event log store (--log-store).
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";

const BATCH = "/api/v1/events/batch";
const CLIENTS = 8;
const EVENTS_PER_BATCH = 10;

function newBatch(): { body: string; ids: string[] } {
  const ids = Array.from({ length: EVENTS_PER_BATCH }, () => crypto.randomUUID());
  const events = ids.map((event_id, i) => ({
    type: i % 2 ? "HEARTBEAT" : "MONEY_CHANGED",
    event_id,
    timestamp: performance.now(),
    version: 1,
    source: "BalatroMCP",
    payload: { old_value: i, new_value: i + 1, difference: 1 },
  }));
  return { body: JSON.stringify({ batch_id: crypto.randomUUID(), events }), ids };
}

for (const store of ["kv", "sqlite"]) {
  Deno.test(`${store} log: SIGKILL while posting: every acknowledged event survives, offsets gapless, resends are duplicates`, () =>
    crashWhilePosting([`--log-store=${store}`]));
}

async function crashWhilePosting(flags: string[]): Promise<void> {
  const bus = await startBus(flags);
  const acked: { body: string; ids: string[]; offsets: [number, number] }[] = [];
  const inFlight: { body: string; ids: string[] }[] = [];
  let killed = false;
  const client = async () => {
    while (!killed) {
      const b = newBatch();
      inFlight.push(b);
      try {
        const res = await fetch(bus.url + BATCH, {
          method: "POST",
          body: b.body,
          headers: { "content-type": "application/json" },
        });
        const json = await res.json();
        if (res.status === 200 && !killed) acked.push({ ...b, offsets: json.offsets });
      } catch {
        return; // the bus is gone
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await new Promise((r) => setTimeout(r, 1500));
  killed = true;
  await bus.stop("SIGKILL");
  await Promise.all(clients);
  assert.ok(acked.length > 20, `only ${acked.length} batches were acknowledged before the kill`);

  await using after = await startBus(flags, { dataDir: bus.dataDir });
  const files = [...Deno.readDirSync(bus.dataDir)].map((f) => f.name);
  assert.equal(files.includes("log.sqlite"), flags[0] === "--log-store=sqlite", files.join());
  const stored = await after.events("limit=100000");
  const byId = new Map(stored.map((e) => [e.event_id as string, e.offset as number]));
  assert.deepEqual(stored.map((e) => e.offset), [...Array(stored.length).keys()], "gapless from 0");
  assert.equal(byId.size, stored.length, "each event stored once");
  for (const a of acked) {
    a.ids.forEach((id, i) =>
      assert.equal(byId.get(id), a.offsets[0] + i, `acked ${id} kept at its offset`)
    );
  }

  // The mod resends what it is unsure of: acknowledged batches are pure duplicates.
  for (const a of acked.slice(-20)) {
    const res = await after.post(BATCH, a.body);
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 0);
    assert.equal(res.json.duplicates, EVENTS_PER_BATCH);
  }
  // Unacknowledged batches may or may not have landed; resent, each event ends up stored once.
  for (const b of inFlight.filter((b) => !acked.some((a) => a.body === b.body))) {
    const res = await after.post(BATCH, b.body);
    assert.equal(res.json.accepted + res.json.duplicates, EVENTS_PER_BATCH);
  }
  const final = await after.events("limit=1000000");
  assert.equal(new Set(final.map((e) => e.event_id)).size, final.length);
  assert.deepEqual(
    final.map((e) => e.offset),
    [...Array(final.length).keys()],
    "offsets continue without a gap",
  );
}
