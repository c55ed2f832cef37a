// Every mod body of tests/testdata/balatromcp, sent the way the mod sends it, with the outcome
// its README requires; then read back from the log.
import assert from "node:assert/strict";
import { fixture, type RunningBus, startBus } from "./_bus.ts";
import { rawRequest } from "./_mod_client.ts";

const BATCH = "/api/v1/events/batch";

async function modPost(bus: RunningBus, path: string, name: string) {
  const res = await rawRequest(bus.port, path, { body: fixture(name) });
  assert.match(
    res.statusLine,
    /^HTTP\/1\.1 /,
    "the mod's raw backend needs an HTTP/1.1 status line",
  );
  assert.equal(res.headers["transfer-encoding"], undefined, "never chunked");
  assert.equal(Number(res.headers["content-length"]), new TextEncoder().encode(res.body).length);
  return { status: res.status, json: JSON.parse(res.body) };
}

/** The batch's events as sent (valid-JSON fixtures only). */
function sentEvents(name: string): Record<string, unknown>[] {
  return JSON.parse(new TextDecoder().decode(fixture(name))).events;
}

const ENVELOPE_KEYS = new Set([
  "type",
  "subtype",
  "event_id",
  "source",
  "version",
  "priority",
  "timestamp",
  "payload",
]);

function expectedExtras(ev: Record<string, unknown>): Record<string, unknown> | undefined {
  const extras = Object.fromEntries(Object.entries(ev).filter(([k]) => !ENVELOPE_KEYS.has(k)));
  return Object.keys(extras).length ? extras : undefined;
}

/** Posts a valid batch fixture and checks count, topics and that every field came back. */
async function checkBatch(name: string, topics: string[]) {
  await using bus = await startBus();
  const res = await modPost(bus, BATCH, name);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, {
    status: "ok",
    accepted: topics.length,
    duplicates: 0,
    offsets: [0, topics.length - 1],
  });
  const stored = await bus.events();
  assert.deepEqual(stored.map((e) => e.topic), topics);
  const batch = JSON.parse(new TextDecoder().decode(fixture(name)));
  sentEvents(name).forEach((sent, i) => {
    const env = stored[i];
    assert.equal(env.offset, i);
    assert.equal(env.event_id, sent.event_id);
    assert.equal(env.type, sent.type);
    assert.equal(env.subtype, sent.subtype);
    assert.equal(env.priority, sent.priority);
    assert.equal(env.source, sent.source);
    assert.equal(env.version, sent.version);
    assert.equal(env.client_timestamp, sent.timestamp, "float game-clock timestamp kept as sent");
    assert.equal(env.batch_id, batch.batch_id);
    assert.deepEqual(env.payload, sent.payload, "payload kept field for field");
    assert.deepEqual(env.extras, expectedExtras(sent));
    assert.equal(env.repairs, undefined);
    assert.equal(typeof env.received_at, "number");
  });
  assert.deepEqual(await bus.deadLetters(), []);
  return stored;
}

Deno.test("connection_test.json: the lowercase probe with data is stored on system.connection.test", async () => {
  await using bus = await startBus();
  const res = await modPost(bus, "/api/v1/events", "connection_test.json");
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status: "ok", accepted: 1, duplicates: 0, offsets: [0, 0] });
  const [env] = await bus.events();
  assert.equal(env.type, "connection_test");
  assert.equal(env.topic, "system.connection.test");
  assert.deepEqual(env.payload, { message: "Testing event bus connection" });
  assert.equal(env.client_timestamp, 1764489600000);
  assert.match(
    String(env.event_id),
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(env.extras, undefined, "data is the payload, not an extra");
  assert.equal(env.repairs, undefined);
  assert.deepEqual(await bus.deadLetters(), []);
});

Deno.test("game_state_initial.json: full GAME_STATE kept with initial and changes extras", async () => {
  const [env] = await checkBatch("game_state_initial.json", ["game.state.update"]);
  assert.equal(env.event_id, "e8447d36-0dd0-4e99-b194-a01af75dcf59");
  assert.deepEqual(env.extras, { changes: {}, initial: true });
  assert.equal(env.client_timestamp, 4103.2212407589);
  const payload = env.payload as { deck: { full_deck: unknown[] }; hand: unknown[] };
  assert.equal(payload.deck.full_deck.length, 52);
  assert.equal(payload.hand.length, 8);
});

Deno.test("heartbeat_batch.json: HEARTBEAT + debug GAME_STATE", async () => {
  const stored = await checkBatch("heartbeat_batch.json", [
    "system.heartbeat",
    "game.state.update",
  ]);
  assert.deepEqual(stored[1].extras, { debug: true });
});

Deno.test("state_diff_batch.json: nested change copies stay inside GAME_STATE and are not counted", async () => {
  const stored = await checkBatch("state_diff_batch.json", [
    "game.money.changed",
    "game.score.changed",
    "game.state.update",
  ]);
  const changes = (stored[2].extras as { changes: { event_id: string }[] }).changes;
  assert.deepEqual(changes.map((c) => c.event_id), [stored[0].event_id, stored[1].event_id]);
});

Deno.test("scoring_sequence.json: SCORING subtypes and JOKER_TRIGGER routed, subtype and priority kept", async () => {
  const stored = await checkBatch("scoring_sequence.json", [
    "game.scoring.hand_eval_start",
    "game.scoring.joker_trigger",
    "game.joker.triggered",
    "game.scoring.joker_trigger",
    "game.joker.triggered",
    "game.scoring.hand_eval_complete",
  ]);
  assert.equal(stored[5].priority, "high");
  assert.equal(stored[2].priority, "low");
  assert.equal((stored[4].payload as { context_type: unknown }).context_type, true);
});

Deno.test("round_complete.json: stored on game.round.complete", async () => {
  await checkBatch("round_complete.json", ["game.round.complete"]);
});

Deno.test("jokers_changed_empty.json: {} for empty lists stored as sent", async () => {
  const stored = await checkBatch("jokers_changed_empty.json", [
    "game.jokers.changed",
    "game.money.changed",
    "game.state.update",
  ]);
  assert.deepEqual((stored[0].payload as { jokers: unknown }).jokers, {});
  const state = stored[2].payload as Record<string, unknown>;
  for (const key of ["jokers", "hand", "consumables", "shop_items"]) {
    assert.deepEqual(state[key], {});
  }
});

Deno.test("menu_state.json: out-of-game GAME_STATE with phase", async () => {
  const stored = await checkBatch("menu_state.json", ["system.heartbeat", "game.state.update"]);
  assert.deepEqual(stored[1].payload, { in_game: false, timestamp: 1764493496, phase: "MENU" });
});

Deno.test("nan_inf_numbers.txt: non-finite tokens become null, each repair recorded", async () => {
  await using bus = await startBus();
  const res = await modPost(bus, BATCH, "nan_inf_numbers.txt");
  assert.equal(res.status, 200);
  assert.equal(res.json.accepted, 3);
  assert.equal(res.json.repairs, 8);
  const stored = await bus.events();
  assert.deepEqual(stored.map((e) => e.topic), [
    "game.score.changed",
    "game.scoring.score_update",
    "game.scoring.hand_eval_complete",
  ]);
  const repairs = stored.map((e) =>
    (e.repairs as { path: string; original: string; replacement: unknown; kind: string }[])
      .map((r) => [r.path, r.original, r.replacement, r.kind])
      .sort()
  );
  const nf = "non_finite_number";
  assert.deepEqual(repairs, [
    [["payload.new_chips", "inf", null, nf]],
    [
      ["payload.delta", "nan", null, nf],
      ["payload.new_score", "inf", null, nf],
      ["payload.previous_score", "inf", null, nf],
      ["payload.total_hand_delta", "-nan", null, nf],
    ],
    [
      ["payload.final_score", "inf", null, nf],
      ["payload.starting_score", "inf", null, nf],
      ["payload.total_delta", "-nan", null, nf],
    ],
  ]);
  const first = stored[0].payload as Record<string, unknown>;
  assert.equal(first.old_chips, 8.1534023311907e+307);
  assert.equal(first.new_chips, null);
  assert.deepEqual(await bus.deadLetters(), []);
});

Deno.test("raw_control_char.txt: a raw 0x01 is escaped and recorded, UTF-8 kept", async () => {
  await using bus = await startBus();
  const res = await modPost(bus, BATCH, "raw_control_char.txt");
  assert.equal(res.status, 200);
  assert.equal(res.json.accepted, 2);
  const stored = await bus.events();
  assert.deepEqual(stored.map((e) => e.topic), ["game.joker.triggered", "system.heartbeat"]);
  assert.equal((stored[0].payload as { joker_name: string }).joker_name, "Déjà Vu\u0001 Joker");
  const repairs = stored[0].repairs as { path: string; kind: string }[];
  assert.equal(repairs.length, 1);
  assert.equal(repairs[0].path, "payload.joker_name");
  assert.equal(repairs[0].kind, "control_character");
  assert.equal(stored[1].repairs, undefined);
});

Deno.test("resent_duplicates.json after state_diff_batch.json: all six are duplicates", async () => {
  await using bus = await startBus();
  assert.equal((await modPost(bus, BATCH, "state_diff_batch.json")).json.accepted, 3);
  const res = await modPost(bus, BATCH, "resent_duplicates.json");
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status: "ok", accepted: 0, duplicates: 6, offsets: [] });
  assert.equal((await bus.events()).length, 3);
  assert.deepEqual(await bus.deadLetters(), []);
});

Deno.test("resent_duplicates.json on a fresh log: three stored, three duplicates", async () => {
  await using bus = await startBus();
  const res = await modPost(bus, BATCH, "resent_duplicates.json");
  assert.deepEqual(res.json, { status: "ok", accepted: 3, duplicates: 3, offsets: [0, 2] });
  assert.deepEqual((await bus.events()).map((e) => e.topic), [
    "game.money.changed",
    "game.score.changed",
    "game.state.update",
  ]);
});

Deno.test("unparseable_truncated.txt: 400 with the error body, raw body dead-lettered", async () => {
  await using bus = await startBus();
  const res = await modPost(bus, BATCH, "unparseable_truncated.txt");
  assert.equal(res.status, 400);
  assert.equal(res.json.status, "error");
  assert.match(res.json.error, /Cannot parse batch/);
  assert.ok(Array.isArray(res.json.details));
  assert.deepEqual(await bus.events(), []);
  const [dl] = await bus.deadLetters();
  assert.equal(dl.raw, new TextDecoder().decode(fixture("unparseable_truncated.txt")));
  assert.equal(dl.reason, res.json.error);
  assert.equal((await bus.get("/health")).status, 200);
});

Deno.test("every mod body sent twice: the second is all duplicates (the probe is stored again)", async () => {
  await using bus = await startBus();
  const bodies: [string, string, number][] = [
    ["/api/v1/events", "connection_test.json", 1],
    [BATCH, "game_state_initial.json", 1],
    [BATCH, "heartbeat_batch.json", 2],
    [BATCH, "state_diff_batch.json", 3],
    [BATCH, "scoring_sequence.json", 6],
    [BATCH, "round_complete.json", 1],
    [BATCH, "jokers_changed_empty.json", 3],
    [BATCH, "nan_inf_numbers.txt", 3],
    [BATCH, "raw_control_char.txt", 2],
    [BATCH, "menu_state.json", 2],
  ];
  let stored = 0;
  for (const [path, name, n] of bodies) {
    const first = await modPost(bus, path, name);
    assert.equal(first.json.accepted, n, name);
    stored += n;
    const again = await modPost(bus, path, name);
    const probe = name === "connection_test.json";
    assert.equal(again.status, 200);
    assert.equal(again.json.accepted, probe ? 1 : 0, name);
    assert.equal(again.json.duplicates, probe ? 0 : n, name);
    if (probe) stored++;
  }
  const events = await bus.events();
  assert.equal(events.length, stored);
  assert.deepEqual(events.map((e) => e.offset), [...Array(stored).keys()], "offsets are gapless");
});

Deno.test("mod client variants: Expect: 100-continue and Host without a port", async () => {
  await using bus = await startBus();
  const res = await rawRequest(bus.port, BATCH, {
    body: fixture("heartbeat_batch.json"),
    expectContinue: true,
    hostWithoutPort: true,
  });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).accepted, 2);
});
