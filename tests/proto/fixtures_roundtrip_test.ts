// Every BalatroMCP fixture, JSON → protobuf bytes → JSON: stored envelopes, batch bodies and
// single events come back equal key for key and value for value (numbers compared with
// Object.is), and the typed messages hold what the mod sent.

import assert from "node:assert/strict";
import { fromBinary, type JsonObject, toBinary } from "@bufbuild/protobuf";
import {
  commandFromLine,
  commandsFromPollText,
  commandToLine,
  decodeBatch,
  decodeCommandLines,
  decodeEnvelopesDelimited,
  decodeEvent,
  decodeIngestResponse,
  encodeBatch,
  encodeCommandLines,
  encodeEnvelopesDelimited,
  encodeEvent,
  encodeIngestResponse,
  type Envelope,
  EnvelopeSchema,
  envelopeToMessage,
  messageToEnvelope,
  type RepairJson,
} from "../../src/proto/mod.ts";
import {
  EVENT_FIXTURES,
  eventsOf,
  readFixture,
  repairFixture,
  storedEnvelopes,
} from "./_fixtures.ts";

function parseFixture(name: string): JsonObject {
  return name.endsWith(".txt") ? repairFixture(readFixture(name)) : JSON.parse(readFixture(name));
}

function isEmptyCollection(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

/** Every `unmapped` entry anywhere inside a typed message, with its path. */
function unmappedEntries(message: unknown, path: string): [string, unknown][] {
  if (typeof message !== "object" || message === null) return [];
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(message)) {
    if (key === "unmapped" && value) {
      for (const [k, v] of Object.entries(value)) out.push([`${path}.${k}`, v]);
    } else if (typeof value === "object" && value !== null && key !== "$typeName") {
      out.push(...unmappedEntries(value, `${path}.${key}`));
    }
  }
  return out;
}

function viaBytes(envelope: Envelope): Envelope {
  return fromBinary(EnvelopeSchema, toBinary(EnvelopeSchema, envelope));
}

const NAN_INF_REPAIRS = new Map<number, RepairJson[]>([
  [0, [{
    path: "payload.new_chips",
    kind: "non_finite_number",
    original: "inf",
    replacement: null,
  }]],
  [1, [
    {
      path: "payload.previous_score",
      kind: "non_finite_number",
      original: "inf",
      replacement: null,
    },
    { path: "payload.new_score", kind: "non_finite_number", original: "inf", replacement: null },
    { path: "payload.delta", kind: "non_finite_number", original: "nan", replacement: null },
    {
      path: "payload.total_hand_delta",
      kind: "non_finite_number",
      original: "-nan",
      replacement: null,
    },
  ]],
  [2, [
    {
      path: "payload.starting_score",
      kind: "non_finite_number",
      original: "inf",
      replacement: null,
    },
    { path: "payload.final_score", kind: "non_finite_number", original: "inf", replacement: null },
    { path: "payload.total_delta", kind: "non_finite_number", original: "-nan", replacement: null },
  ]],
]);

const CONTROL_REPAIRS = new Map<number, RepairJson[]>([
  [0, [{
    path: "payload.joker_name",
    kind: "control_character",
    original: "\u0001",
    replacement: "Déjà Vu\u0001 Joker",
  }]],
]);

function repairsFor(name: string): ReadonlyMap<number, RepairJson[]> {
  if (name === "nan_inf_numbers.txt") return NAN_INF_REPAIRS;
  if (name === "raw_control_char.txt") return CONTROL_REPAIRS;
  return new Map();
}

for (const name of EVENT_FIXTURES) {
  Deno.test(`${name}: stored envelopes round-trip through protobuf exactly`, () => {
    const envelopes = storedEnvelopes(parseFixture(name), repairsFor(name));
    for (const envelope of envelopes) {
      const back = messageToEnvelope(viaBytes(envelopeToMessage(envelope)));
      assert.deepStrictEqual(back, envelope);
    }
  });

  Deno.test(`${name}: events and batch body round-trip through Event and EventBatch`, () => {
    const body = parseFixture(name);
    for (const event of eventsOf(body)) {
      assert.deepStrictEqual(decodeEvent(encodeEvent(event)), event);
    }
    if (Array.isArray(body.events)) assert.deepStrictEqual(decodeBatch(encodeBatch(body)), body);
  });

  Deno.test(`${name}: the schema types every key the mod sent`, () => {
    for (const envelope of storedEnvelopes(parseFixture(name), repairsFor(name))) {
      const message = envelopeToMessage(envelope);
      assert.notEqual(message.payload.case, "rawPayload", `${envelope.type} has a typed payload`);
      // Only the documented leftovers: empty lists and maps, and nulls from nan/inf repairs.
      for (const [path, value] of unmappedEntries(message.payload.value, "payload")) {
        const empty = isEmptyCollection(value);
        assert.ok(empty || value === null, `${envelope.type} ${path} is not typed`);
      }
    }
  });
}

Deno.test("length-delimited stream carries every fixture envelope in order", () => {
  const all = EVENT_FIXTURES.flatMap((name) =>
    storedEnvelopes(parseFixture(name), repairsFor(name))
  );
  const decoded = decodeEnvelopesDelimited(encodeEnvelopesDelimited(all));
  assert.equal(decoded.length, all.length);
  assert.deepStrictEqual(decoded.map(messageToEnvelope), all);
});

Deno.test("game_state_initial.json: typed GAME_STATE holds hand, deck, jokers and floats", () => {
  const [envelope] = storedEnvelopes(parseFixture("game_state_initial.json"));
  const message = envelopeToMessage(envelope);
  assert.equal(message.payload.case, "gameState");
  if (message.payload.case !== "gameState") return;
  const state = message.payload.value;
  assert.equal(state.gameId, "7NQH2KTB");
  assert.equal(state.ante, 2);
  assert.equal(state.round, 5);
  assert.equal(state.money, 9);
  assert.equal(state.hand.length, 8);
  assert.equal(state.jokers.length, 2);
  assert.deepStrictEqual(state.jokers[0].id, { case: "idNumber", value: 0.99843946956934 });
  assert.equal(state.jokers[1].name, "Greedy Joker");
  assert.equal(state.consumables.length, 1);
  assert.equal(state.deck?.fullDeck.length, 52);
  assert.equal(state.deck?.cardsRemaining.length, 5);
  assert.equal(state.gameState, "UNKNOWN_STATE_1");
  assert.equal(state.blind?.mult, 1.5);
  assert.equal(state.blind?.chips, 1200);
  assert.equal(state.scoreHistory.hand?.amt, 844);
  // `shop_items: {}` is an empty map: kept as sent in unmapped, written back as `{}`.
  assert.deepStrictEqual(state.unmapped, { shop_items: {} });
  assert.deepStrictEqual(message.extras, { changes: {}, initial: true });
  assert.equal(message.clientTimestamp?.kind.value, 4103.2212407589);
});

Deno.test("jokers_changed_empty.json: `{}` lists read as empty and come back as `{}`", () => {
  const envelopes = storedEnvelopes(parseFixture("jokers_changed_empty.json"));
  const changed = envelopeToMessage(envelopes[0]);
  assert.equal(changed.payload.case, "jokersChanged");
  if (changed.payload.case !== "jokersChanged") return;
  assert.deepStrictEqual(changed.payload.value.jokers, []);
  assert.equal(changed.payload.value.newCount, 0);
  const state = envelopeToMessage(envelopes[2]);
  assert.equal(state.payload.case, "gameState");
  if (state.payload.case !== "gameState") return;
  assert.deepStrictEqual(state.payload.value.hand, []);
  assert.deepStrictEqual(state.payload.value.jokers, []);
  assert.equal(state.payload.value.gameState, "SHOP");
  assert.deepStrictEqual(messageToEnvelope(state).payload, envelopes[2].payload);
});

Deno.test("nan_inf_numbers.txt: repaired nulls stay null, huge finite numbers stay exact", () => {
  const envelopes = storedEnvelopes(parseFixture("nan_inf_numbers.txt"), NAN_INF_REPAIRS);
  const score = envelopeToMessage(envelopes[0]);
  assert.equal(score.payload.case, "scoreChanged");
  if (score.payload.case !== "scoreChanged") return;
  assert.equal(score.payload.value.oldChips, 8.1534023311907e+307);
  assert.equal(score.payload.value.newChips, undefined);
  assert.deepStrictEqual(score.payload.value.unmapped, { new_chips: null });
  assert.equal(score.repairs.length, 1);
  assert.equal(score.repairs[0].path, "payload.new_chips");
  const complete = envelopeToMessage(envelopes[2]);
  assert.equal(complete.payload.case, "scoringHandEvalComplete");
  assert.equal(complete.priority, "high");
  assert.equal(complete.subtype, "HAND_EVAL_COMPLETE");
});

Deno.test("scoring_sequence.json: mixed-type context_type and SCORING subtypes are typed", () => {
  const envelopes = storedEnvelopes(parseFixture("scoring_sequence.json"));
  const cases = envelopes.map((e) => envelopeToMessage(e).payload.case);
  assert.deepStrictEqual(cases, [
    "scoringHandEvalStart",
    "scoringJokerTrigger",
    "jokerTrigger",
    "scoringJokerTrigger",
    "jokerTrigger",
    "scoringHandEvalComplete",
  ]);
  const flagged = envelopeToMessage(envelopes[4]).payload;
  assert.equal(flagged.case, "jokerTrigger");
  if (flagged.case !== "jokerTrigger") return;
  assert.deepStrictEqual(flagged.value.contextType, { case: "contextTypeBool", value: true });
  const named = envelopeToMessage(envelopes[2]).payload;
  if (named.case !== "jokerTrigger") return;
  assert.deepStrictEqual(named.value.contextType, { case: "contextTypeString", value: "unknown" });
});

Deno.test("connection_test.json: the probe's data is its typed payload; lowercase type kept", () => {
  const [envelope] = storedEnvelopes(parseFixture("connection_test.json"));
  const message = envelopeToMessage(envelope);
  assert.equal(message.type, "connection_test");
  assert.equal(message.payload.case, "connectionTest");
  if (message.payload.case !== "connectionTest") return;
  assert.equal(message.payload.value.message, "Testing event bus connection");
});

Deno.test("raw_control_char.txt: UTF-8 letters and the escaped control character survive", () => {
  const [envelope] = storedEnvelopes(parseFixture("raw_control_char.txt"), CONTROL_REPAIRS);
  const message = viaBytes(envelopeToMessage(envelope));
  if (message.payload.case !== "jokerTrigger") throw new Error("expected jokerTrigger");
  assert.equal(message.payload.value.jokerName, "Déjà Vu\u0001 Joker");
});

Deno.test("envelope conversion keeps unknown types, non-object payloads and odd values", () => {
  const odd = {
    offset: 7,
    event_id: "x",
    type: "TEST_EVENT",
    topic: "custom.test_event",
    source: "unknown",
    version: "1.0",
    client_timestamp: "12:00",
    received_at: 1764489600000.5,
    payload: [1, "2", null, { a: [] }],
    extras: { nested: { deep: [{}, []] } },
    repairs: [],
    future_field: { x: 1 },
  };
  const message = envelopeToMessage(odd);
  assert.equal(message.payload.case, "rawPayload");
  assert.deepStrictEqual(messageToEnvelope(viaBytes(message)), odd);
  const typedOdd = {
    ...odd,
    type: "GAME_STATE",
    payload: {
      ante: 2.5,
      round: -0,
      money: "9",
      jokers: [{ id: "joker_1", position: 0, properties: { cost: null, extra: 1 } }],
      hand: [{ id: 0.5 }, "not a card"],
      blind: null,
      __proto__: 1,
    },
  };
  const typedMessage = envelopeToMessage(JSON.parse(JSON.stringify(typedOdd)));
  assert.equal(typedMessage.payload.case, "gameState");
  assert.deepStrictEqual(
    messageToEnvelope(viaBytes(typedMessage)),
    JSON.parse(JSON.stringify(typedOdd)),
  );
});

Deno.test("numbers beyond 2^53 and tiny fractions survive the trip unchanged", () => {
  const payload = { old_chips: 2 ** 60 + 4096, new_chips: 1e300, old_mult: 5e-324, new_mult: -0 };
  const envelope = {
    offset: 2 ** 53 - 1,
    event_id: "big",
    type: "SCORE_CHANGED",
    topic: "game.score.changed",
    source: "BalatroMCP",
    version: 1,
    client_timestamp: 83412.7729,
    received_at: 1764489600000,
    payload,
  };
  assert.deepStrictEqual(messageToEnvelope(viaBytes(envelopeToMessage(envelope))), envelope);
});

Deno.test("ingest answers round-trip through IngestResponse", () => {
  const answers = [
    { status: "ok", accepted: 3, duplicates: 0, offsets: [10, 12] },
    { status: "ok", accepted: 0, duplicates: 6, offsets: [] },
    {
      status: "error",
      error: "Cannot parse batch: body ends inside a string",
      details: [{ at: 151 }],
    },
    { status: "ok", accepted: 1, duplicates: 0, offsets: [0, 0], dead_lettered: 2 },
  ];
  for (const answer of answers) {
    assert.deepStrictEqual(decodeIngestResponse(encodeIngestResponse(answer)), answer);
  }
});

Deno.test("command fixtures map to typed commands and back to poll lines", () => {
  const enqueue = JSON.parse(readFixture("commands_enqueue.json")) as { commands: string[] };
  const poll = readFixture("commands_poll_response.txt");
  const commands = commandsFromPollText(poll);
  assert.deepStrictEqual(commands.map(commandToLine), enqueue.commands);
  assert.deepStrictEqual(
    decodeCommandLines(encodeCommandLines(enqueue.commands)),
    enqueue.commands,
  );
  assert.equal(commands[0].name, "select_card");
  assert.deepStrictEqual(commands[0].args, ["0"]);
  const legacy = JSON.parse(readFixture("commands_enqueue_legacy.json"));
  const line = commandToLine(commandFromLine(`${legacy.type}:${legacy.payload.index}`));
  assert.equal(line, "select_card:0");
});

Deno.test("decodeBatch rejects bytes that are not an EventBatch with a SyntaxError", () => {
  assert.throws(() => decodeBatch(new Uint8Array([0x12, 0xff, 0xff, 0x01])), SyntaxError);
});
