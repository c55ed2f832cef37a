import assert from "node:assert/strict";
import { LiveAdvice } from "../../src/advisor/live_advice.ts";
import { runJob } from "../../src/advisor/engine_jobs.ts";
import type { EngineWorker } from "../../src/advisor/engine_worker.ts";
import type { Ingest } from "../../src/ingest/mod.ts";
import { routeTopic } from "../../src/ingest/topic_routing.ts";
import type { EventLog, StoredEvent } from "../../src/log/mod.ts";
import type { Logger } from "../../src/logger.ts";

const PAYLOAD = JSON.parse(
  Deno.readTextFileSync(
    new URL("../testdata/balatromcp/game_state_initial.json", import.meta.url),
  ),
).events[0].payload;

type Batch = { source: string; events: Record<string, unknown>[] };

/** The parts of the log live advice uses, in memory; `commit()` can withhold the events. */
class MemoryLog implements Pick<EventLog, "bounds" | "onHead" | "read"> {
  events: StoredEvent[] = [];
  #listeners = new Set<(head: number, events: readonly StoredEvent[]) => void>();

  bounds() {
    return { first: 0, head: this.events.length };
  }
  onHead(listener: (head: number, events: readonly StoredEvent[]) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  async *read(from: number, opts: { limit: number; topics?: (t: string) => boolean }) {
    let left = opts.limit;
    for (const e of this.events.slice(from)) {
      if (opts.topics && !opts.topics(e.topic)) continue;
      yield await Promise.resolve(e);
      if (--left === 0) return;
    }
  }
  /** Appends envelopes; tells listeners with the events, or without them (a gap). */
  commit(items: { topic: string; payload: unknown }[], withEvents = true): void {
    const fresh = items.map(({ topic, payload }) => {
      const offset = this.events.length;
      const json = JSON.stringify({ offset, event_id: `ev-${offset}`, topic, payload });
      const e: StoredEvent = { offset, topic, receivedAt: 0, json };
      this.events.push(e);
      return e;
    });
    for (const l of this.#listeners) l(this.events.length, withEvents ? fresh : []);
  }
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function setup(opts: { gate?: Promise<void> } = {}) {
  const runs: unknown[] = [];
  const log = new MemoryLog();
  const batches: Batch[] = [];
  const ingest = {
    acceptOwnBatch(batch: unknown) {
      batches.push(batch as Batch);
      return Promise.resolve({ status: "ok", accepted: 2, duplicates: 0, offsets: [] });
    },
  } as unknown as Pick<Ingest, "acceptOwnBatch">;
  const engine = {
    async run(job: Parameters<typeof runJob>[0]) {
      runs.push(job);
      await opts.gate;
      return runJob(job);
    },
  } as unknown as Pick<EngineWorker, "run">;
  const advice = LiveAdvice.start({ log, ingest, engine, logger: quiet, samples: 20 });
  return { log, batches, advice, runs };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const state = (hand_number: number) => ({
  topic: "game.state.update",
  payload: { ...PAYLOAD, hand_number },
});

Deno.test("LiveAdvice publishes best play and blind odds for a committed game state", async () => {
  const { log, batches, advice } = setup();
  log.commit([{ topic: "system.heartbeat", payload: {} }, state(0)]);
  await until(() => batches.length === 1, "advice");
  await advice.close();
  const [batch] = batches;
  assert.equal(batch.source, "jimbot-advisor");
  // deno-lint-ignore no-explicit-any
  const [best, odds] = batch.events as { type: string; subtype: string; payload: any }[];
  assert.equal(routeTopic(best.type, best.subtype), "advice.best_play");
  assert.equal(routeTopic(odds.type, odds.subtype), "advice.blind_odds");
  assert.equal(best.payload.source_offset, 1);
  assert.equal(best.payload.source_event_id, "ev-1");
  assert.equal(best.payload.hand_type, "Flush");
  assert.equal(best.payload.cards.length, 5);
  assert.ok(best.payload.cards.every((c: { suit: string }) => c.suit === "Diamonds"));
  assert.equal(best.payload.steps.at(-1).phase, "final");
  assert.equal(odds.payload.source_offset, 1);
  assert.equal(odds.payload.needed, 1200);
  assert.ok(odds.payload.probability >= 0 && odds.payload.probability <= 1);
  assert.equal(odds.payload.samples, 20);
  assert.equal(advice.stats.advised, 1);
});

Deno.test("LiveAdvice advises only the newest state when several wait", async () => {
  const gate = Promise.withResolvers<void>();
  const { log, batches, advice } = setup({ gate: gate.promise });
  log.commit([state(0)]);
  await new Promise((r) => setTimeout(r, 20)); // state 0 is now being advised
  log.commit([state(1)]);
  log.commit([state(2)]);
  log.commit([state(3)]);
  gate.resolve();
  await until(() => batches.length === 2, "two advice batches");
  await new Promise((r) => setTimeout(r, 50));
  await advice.close();
  assert.equal(batches.length, 2);
  const sources = batches.map((b) => (b.events[0].payload as { hand_number: number }).hand_number);
  assert.deepEqual(sources, [0, 3]);
  assert.equal(advice.stats.superseded, 2);
});

Deno.test("LiveAdvice reads the log when the head moves without the events", async () => {
  const { log, batches, advice } = setup();
  log.commit([state(5), { topic: "game.money.changed", payload: {} }], false);
  await until(() => batches.length === 1, "advice after a scan");
  log.commit([state(6)]); // in-memory events resume after the scanned range
  await until(() => batches.length === 2, "advice from memory");
  await advice.close();
  const offsets = batches.map((b) =>
    (b.events[0].payload as { source_offset: number }).source_offset
  );
  assert.deepEqual(offsets, [0, 2]);
});

Deno.test("LiveAdvice skips states without cards in hand and other topics", async () => {
  const { log, batches, advice } = setup();
  log.commit([{ topic: "game.state.update", payload: { ...PAYLOAD, hand: {} } }]);
  await until(() => advice.stats.skipped === 1, "the empty hand skipped");
  log.commit([{ topic: "game.state.update", payload: { in_game: false } }]);
  await until(() => advice.stats.skipped === 2, "the menu state skipped");
  log.commit([{ topic: "game.hand.played", payload: PAYLOAD }]);
  await new Promise((r) => setTimeout(r, 30));
  await advice.close();
  assert.equal(batches.length, 0);
});

Deno.test("LiveAdvice starts at the head: earlier states are not advised", async () => {
  const log = new MemoryLog();
  log.commit([state(0)]);
  const batches: Batch[] = [];
  const advice = LiveAdvice.start({
    log,
    ingest: {
      acceptOwnBatch(b: unknown) {
        batches.push(b as Batch);
        return Promise.resolve({ status: "ok", accepted: 2, duplicates: 0, offsets: [] });
      },
    } as unknown as Pick<Ingest, "acceptOwnBatch">,
    engine: { run: (job: never) => Promise.resolve(runJob(job)) } as unknown as Pick<
      EngineWorker,
      "run"
    >,
    logger: quiet,
    samples: 10,
  });
  log.commit([state(1)]);
  await until(() => batches.length === 1, "advice");
  await advice.close();
  assert.equal((batches[0].events[0].payload as { source_offset: number }).source_offset, 1);
});

Deno.test("LiveAdvice reuses the advice of an unchanged state, publishing it for the new one", async () => {
  const { log, batches, advice, runs } = setup();
  log.commit([state(0)]);
  await until(() => batches.length === 1, "first advice");
  log.commit([{
    topic: "game.state.update",
    payload: { ...PAYLOAD, frame_count: 99, timestamp: 1 },
  }]);
  await until(() => batches.length === 2, "second advice");
  await advice.close();
  assert.equal(runs.length, 1, "frame_count and timestamp are no engine input");
  assert.equal(advice.stats.reused, 1);
  const offsets = batches.map((b) =>
    (b.events[1].payload as { source_offset: number }).source_offset
  );
  assert.deepEqual(offsets, [0, 1]);
});
