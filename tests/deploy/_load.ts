/**
 * Test kit: a short, realistic load on a running bus, touching every part the dashboards and the
 * console show: the mod's bodies (fixtures, including a re-send, a body with an unusable event and
 * a truncated body), generated whole games, a live SSE subscriber, a consumer group that commits
 * behind the head, a coordinator lease and rate-limit reservations.
 * @module
 */
import assert from "node:assert/strict";
import { fixture, type RunningBus } from "../integration/_bus.ts";
import { batches, generateGames } from "../analytics/_game_generator.ts";
import { EVENT_FIXTURES } from "../proto/_fixtures.ts";

const COORDINATOR = "/jimbot.coordinator.v1.ResourceCoordinator";
const EVENT_BUS = "/jimbot.bus.v1.EventBus";

export interface Load extends AsyncDisposable {
  /** Keeps a trickle of events flowing until disposed (rates stay defined while queried). */
  trickle(): void;
}

/** Posts the load and returns once it is stored; the SSE subscriber stays open until disposed. */
export async function loadBus(bus: RunningBus, games = 12): Promise<Load> {
  const closing = new AbortController();
  const sse = await fetch(`${bus.url}/api/v1/stream?topics=game.>&from=earliest`, {
    signal: closing.signal,
    headers: bus.auth,
  });
  assert.equal(sse.status, 200);
  // Read by hand and cancelled at the end: awaiting a pipeTo after aborting the fetch sometimes
  // never settled (Deno), which hung the test that disposed the load.
  const reader = sse.body!.getReader();
  const draining = (async () => {
    while (!(await reader.read()).done) { /* the subscriber only has to keep reading */ }
  })().catch(() => {});

  for (const name of EVENT_FIXTURES) {
    // The probe is the one single-event body; the rest are batches.
    const route = name === "connection_test.json" ? "/api/v1/events" : "/api/v1/events/batch";
    const res = await bus.post(route, fixture(name));
    assert.equal(res.status, 200, `${name}: ${res.text}`);
  }
  const truncated = await bus.post("/api/v1/events/batch", fixture("unparseable_truncated.txt"));
  assert.equal(truncated.status, 400, truncated.text);
  const partly = await bus.post(
    "/api/v1/events/batch",
    JSON.stringify({ batch_id: "bad", source: "BalatroMCP", events: [{ payload: {} }] }),
  );
  assert.equal(partly.json.dead_lettered.length, 1, partly.text);
  for (const body of batches(generateGames(games, 7).events, 250)) {
    assert.equal((await bus.post("/api/v1/events/batch", body)).status, 200);
  }

  const head = (await bus.get("/health")).json.log_head as number;
  const group = await bus.post(
    `${EVENT_BUS}/CommitOffset`,
    JSON.stringify({ group: "dashboard-test", offset: Math.floor(head / 2) }),
  );
  assert.equal(group.status, 200, group.text);
  const lease = await bus.post(
    `${COORDINATOR}/Acquire`,
    JSON.stringify({ resource: "memory", amount: 512, component: "training", ttlMs: 600_000 }),
  );
  assert.equal(lease.json.state, "LEASE_STATE_GRANTED", lease.text);
  for (let i = 0; i < 3; i++) {
    const r = await bus.post(`${COORDINATOR}/Reserve`, JSON.stringify({ limiter: "claude" }));
    assert.equal(r.status, 200, r.text);
  }

  let trickling: Promise<void> | undefined;
  return {
    trickle() {
      trickling ??= (async () => {
        for (let n = 0; !closing.signal.aborted; n++) {
          await bus.post(
            "/api/v1/events/batch",
            JSON.stringify({
              batch_id: `trickle-${n}`,
              source: "BalatroMCP",
              events: [{ type: "HEARTBEAT", event_id: `trickle-${n}`, payload: { n } }],
            }),
          ).catch(() => {});
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
    },
    async [Symbol.asyncDispose]() {
      closing.abort();
      await reader.cancel().catch(() => {});
      await draining;
      await trickling;
    },
  };
}

/** Waits until `check` holds, polling every 200 ms. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the analytics projection has applied every stored event. */
export function analyticsCaughtUp(bus: RunningBus): Promise<void> {
  return until(async () => {
    const s = (await bus.get("/api/v1/analytics/status")).json;
    return s.offset >= s.log_head;
  }, "the analytics projection");
}
