// Hostile and broken input: each gets its exact status and the JSON error body; the bus stays
// healthy, keeps what was valid, and keeps unusable bodies in the dead-letter store.
import assert from "node:assert/strict";
import { fixture, startBus } from "./_bus.ts";
import { rawRequest } from "./_mod_client.ts";

const enc = new TextEncoder();
const BATCH = "/api/v1/events/batch";
const ev = (extra: Record<string, unknown> = {}) => ({
  type: "HEARTBEAT",
  event_id: crypto.randomUUID(),
  timestamp: 1.5,
  payload: {},
  ...extra,
});
const batch = (events: unknown) => JSON.stringify({ batch_id: "b", events, source: "t" });

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
  status: number;
  /** Whole body kept in the dead-letter store. */
  deadLettered?: boolean;
}

const cases: Case[] = [
  { name: "empty batch body", body: "", status: 400 },
  { name: "empty single body", path: "/api/v1/events", body: "", status: 400 },
  { name: "whitespace only", body: "   \n ", status: 400, deadLettered: true },
  { name: "truncated JSON", body: '{"events":[{"type":"HEART', status: 400, deadLettered: true },
  { name: "null body", body: "null", status: 400, deadLettered: true },
  { name: "array body", body: "[]", status: 400, deadLettered: true },
  { name: "string body", body: '"events"', status: 400, deadLettered: true },
  { name: "number body", body: "42", status: 400, deadLettered: true },
  { name: "no events array", body: '{"batch_id":"x"}', status: 400, deadLettered: true },
  { name: "events is a string", body: '{"events":"x"}', status: 400, deadLettered: true },
  { name: "events is null", body: '{"events":null}', status: 400, deadLettered: true },
  { name: "trailing garbage", body: batch([ev()]) + "}}", status: 400, deadLettered: true },
  {
    name: "NUL byte outside strings",
    body: '{"events":[]\u0000}',
    status: 400,
    deadLettered: true,
  },
  {
    name: "bad unicode escape",
    body: '{"events":[{"type":"\\u12"}]}',
    status: 400,
    deadLettered: true,
  },
  {
    name: "single event without type",
    path: "/api/v1/events",
    body: '{"payload":{}}',
    status: 400,
    deadLettered: true,
  },
  {
    name: "single event that is an array",
    path: "/api/v1/events",
    body: "[1,2]",
    status: 400,
    deadLettered: true,
  },
  {
    name: "nesting deeper than 128",
    body: '{"events":[{"type":"X","payload":' + "[".repeat(200) + "]".repeat(200) + "}]}",
    status: 400,
    deadLettered: true,
  },
  {
    name: "body over --max-body-bytes",
    body: batch([ev({ payload: { pad: "x".repeat(70_000) } })]),
    status: 413,
  },
  {
    name: "more events than --max-batch-events",
    body: batch(Array.from({ length: 30 }, () => ev())),
    status: 413,
  },
  {
    name: "text/xml content type",
    body: "<events/>",
    headers: { "content-type": "text/xml" },
    status: 415,
  },
  {
    name: "multipart content type",
    body: "--x--",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    status: 415,
  },
  { name: "GET on the batch route", method: "GET", status: 405 },
  { name: "PUT on /api/v1/events", method: "PUT", path: "/api/v1/events", body: "{}", status: 405 },
  { name: "DELETE on /api/v1/commands", method: "DELETE", path: "/api/v1/commands", status: 405 },
  { name: "unknown route", method: "GET", path: "/api/v2/events", status: 404 },
  { name: "unknown top-level path", method: "GET", path: "/index.php", status: 404 },
  { name: "offset that is not a number", method: "GET", path: "/api/v1/events/abc", status: 400 },
  { name: "offset beyond the head", method: "GET", path: "/api/v1/events/99999", status: 404 },
  { name: "negative from", method: "GET", path: "/api/v1/events?from=-1", status: 400 },
  { name: "limit not a number", method: "GET", path: "/api/v1/events?limit=ten", status: 400 },
  {
    name: "wildcard not last",
    method: "GET",
    path: "/api/v1/events?topic=game.%3E.x",
    status: 400,
  },
  {
    name: "partial-segment wildcard",
    method: "GET",
    path: "/api/v1/events?topic=game.sta*",
    status: 400,
  },
  { name: "bad percent-encoding", method: "GET", path: "/api/v1/events/%E0%A4%A", status: 400 },
  { name: "commands: bad JSON", path: "/api/v1/commands", body: "{nope", status: 400 },
  {
    name: "commands: not strings",
    path: "/api/v1/commands",
    body: '{"commands":[1]}',
    status: 400,
  },
  {
    name: "commands: injected line break",
    path: "/api/v1/commands",
    body: '{"commands":["play_hand\\nsell_joker"]}',
    status: 400,
  },
  { name: "commands: unknown shape", path: "/api/v1/commands", body: '{"what":1}', status: 400 },
  {
    name: "commands: empty line",
    path: "/api/v1/commands",
    body: '{"commands":[""]}',
    status: 400,
  },
  {
    name: "headers over --max-header-bytes",
    method: "GET",
    path: "/health",
    headers: { "x-big": "y".repeat(9000) },
    status: 431,
  },
];

Deno.test("hostile inputs: exact statuses, JSON error bodies, nothing valid lost, bus healthy", async () => {
  await using bus = await startBus([
    "--max-body-bytes=65536",
    "--max-batch-events=20",
    "--max-header-bytes=8192",
  ]);
  assert.ok(cases.length >= 30);
  const good = await bus.post(BATCH, batch([ev()]));
  assert.equal(good.status, 200);
  let deadLettered = 0;
  for (const c of cases) {
    const res = await fetch(bus.url + (c.path ?? BATCH), {
      method: c.method ?? "POST",
      body: c.body,
      headers: { "content-type": "application/json", ...bus.auth, ...c.headers },
    });
    const text = await res.text();
    assert.equal(res.status, c.status, `${c.name}: ${text}`);
    const body = JSON.parse(text);
    assert.equal(body.status, "error", c.name);
    assert.equal(typeof body.error, "string", c.name);
    assert.ok(body.error.length > 10, c.name);
    assert.ok(Array.isArray(body.details), c.name);
    if (res.status === 405) assert.ok(res.headers.get("allow"), `${c.name}: Allow header`);
    if (c.deadLettered) deadLettered++;
  }
  const letters = await bus.deadLetters();
  assert.equal(letters.length, deadLettered);
  assert.equal((await bus.events()).length, 1, "only the valid event is in the log");
  assert.equal((await bus.get("/health")).status, 200);
  assert.equal((await bus.post(BATCH, batch([ev()]))).json.accepted, 1, "still ingests");
});

Deno.test("a batch with unusable events: 200, good ones stored, each bad one dead-lettered raw", async () => {
  await using bus = await startBus();
  const good = [ev(), ev({ type: "SOMETHING_NEW" })];
  const bad = [
    1,
    "x",
    null,
    { payload: {} },
    { type: 5 },
    { type: "" },
    { type: "T".repeat(300) },
    {
      type: "X",
      event_id: { nested: true },
    },
  ];
  const res = await bus.post(BATCH, batch([good[0], ...bad, good[1]]));
  assert.equal(res.status, 200);
  assert.equal(res.json.accepted, 2);
  assert.equal(res.json.duplicates, 0);
  assert.deepEqual(res.json.dead_lettered.map((d: { index: number }) => d.index), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
  ]);
  const stored = await bus.events();
  assert.deepEqual(stored.map((e) => e.topic), ["system.heartbeat", "custom.something_new"]);
  const letters = await bus.deadLetters();
  assert.deepEqual(letters.map((l) => JSON.parse(String(l.raw))), bad);
  assert.deepEqual(letters.map((l) => l.index), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(letters.every((l) => typeof l.reason === "string" && l.batch_id === "b"));
  assert.match(String(letters[3].reason), /no "type"/);
});

Deno.test("tolerated oddities: {} events, invalid UTF-8, __proto__ keys, numeric event_id", async () => {
  await using bus = await startBus();
  assert.deepEqual((await bus.post(BATCH, '{"events":{}}')).json.accepted, 0);
  const bytes = new Uint8Array([
    ...enc.encode('{"events":[{"type":"X","payload":{"s":"'),
    0xff,
    0xfe,
    ...enc.encode('"}}]}'),
  ]);
  assert.equal((await bus.post(BATCH, bytes)).status, 200);
  const proto = '{"events":[{"type":"Y","event_id":7,"payload":{"__proto__":{"polluted":1}}}]}';
  assert.equal((await bus.post(BATCH, proto)).json.accepted, 1);
  assert.equal(
    (await bus.post(BATCH, proto)).json.duplicates,
    1,
    "numeric event_id dedupes as its string",
  );
  const [x, y] = await bus.events();
  assert.equal((x.payload as { s: string }).s, "\ufffd\ufffd");
  assert.equal(y.event_id, "7");
  assert.deepEqual(Object.keys(y.payload as object), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("a body that stops arriving is answered 408 after --body-timeout", async () => {
  await using bus = await startBus(["--body-timeout=300ms"]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: bus.port });
  const head = `POST ${BATCH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
    "Content-Length: 100\r\n\r\n" + '{"events":[';
  await conn.write(enc.encode(head));
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  conn.close();
  const text = new TextDecoder().decode(buf.subarray(0, n ?? 0));
  assert.match(text, /^HTTP\/1\.1 408/);
  assert.equal((await bus.get("/health")).status, 200);
});

Deno.test("a chunked body over the limit is cut off with 413", async () => {
  await using bus = await startBus(["--max-body-bytes=4096"]);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 10; i++) c.enqueue(enc.encode("x".repeat(1000)));
      c.close();
    },
  });
  const res = await fetch(bus.url + BATCH, {
    method: "POST",
    body: stream,
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).status, "error");
});

Deno.test("the poll answers even with the mod's odd Content-Type on a GET", async () => {
  await using bus = await startBus();
  const res = await rawRequest(bus.port, "/api/v1/commands/poll", {
    headers: { "Content-Type": "text/plain" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body, "");
  assert.equal(res.headers["content-length"], "0");
  assert.equal((await bus.post(BATCH, fixture("round_complete.json"))).status, 200);
});
