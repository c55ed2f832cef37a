// Identity, scopes and browser protections against the real bus: the unmodified mod posts and
// polls on loopback without configuration; strangers on the network, other scopes, web pages and
// rebound host names are refused on every surface (REST, WebSocket, SSE, Connect, native gRPC).
import assert from "node:assert/strict";
import { Code, type ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ResourceCoordinator } from "../../src/gen/jimbot/coordinator/v1/coordinator_pb.ts";
import { NETNS_MISSING, testNetwork } from "../_netns.ts";
import { startBus } from "./_bus.ts";
import { rawRequest } from "./_mod_client.ts";
import { bearer, modEvent } from "./_stream_client.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const BATCH = "/api/v1/events/batch";
const batch = (i: number) => JSON.stringify({ events: [modEvent("MONEY_CHANGED", i)] });
const body = (text: string) => new TextEncoder().encode(text);

Deno.test("the unmodified mod posts and polls on loopback without a token; other routes need one", async () => {
  await using bus = await startBus();
  // Exactly what the mod's raw-socket backend sends: no token, no Origin, Host: localhost.
  const posted = await rawRequest(bus.port, BATCH, { body: body(batch(1)), hostWithoutPort: true });
  assert.equal(posted.status, 200, posted.body);
  const queued = await bus.post("/api/v1/commands", JSON.stringify({ commands: ["play_hand"] }));
  assert.equal(queued.status, 200, queued.text);
  const polled = await rawRequest(bus.port, "/api/v1/commands/poll", { hostWithoutPort: true });
  assert.equal(polled.status, 200);
  assert.equal(polled.body, "play_hand\n");

  const anonymous = await rawRequest(bus.port, "/api/v1/events?limit=10", {});
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers["www-authenticate"], /^Bearer/);
  assert.match(JSON.parse(anonymous.body).error, /"read" scope/);
  for (const path of ["/api/v1/deadletter", "/metrics", "/api/v1/analytics/tables"]) {
    assert.equal((await rawRequest(bus.port, path, {})).status, 401, path);
  }
  const queue = await rawRequest(bus.port, "/api/v1/commands", {
    body: body('{"commands":["select_card"]}'),
  });
  assert.equal(queue.status, 401, "an anonymous local process cannot queue game commands");
  assert.equal((await rawRequest(bus.port, "/health", {})).status, 200, "health stays public");
  assert.equal((await bus.get("/api/v1/events?limit=10")).status, 200, "the token may read");
  assert.equal((await bus.get("/api/v1/events", { authorization: "Bearer jbt_nope" })).status, 401);
});

Deno.test("browsers cannot act: foreign Origin, cross-site fetches, WebSocket upgrades, rebound Host → 403", async () => {
  await using bus = await startBus(["--cors-origins=http://localhost:5173"]);
  const evil = { Origin: "http://evil.example" };
  // The no-preflight text/plain POST a web page can send.
  const textPost = await rawRequest(bus.port, "/api/v1/commands", {
    body: body('{"commands":["select_card"]}'),
    headers: { ...evil, "Content-Type": "text/plain", Authorization: `Bearer ${bus.token}` },
  });
  assert.equal(textPost.status, 403, "even with a token a foreign page is refused");
  const ingest = await rawRequest(bus.port, BATCH, { body: body(batch(2)), headers: evil });
  assert.equal(ingest.status, 403);
  const crossSite = await rawRequest(bus.port, "/api/v1/commands/poll", {
    headers: { "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors" },
  });
  assert.equal(crossSite.status, 403, "an <img> on another site cannot drain the commands");
  const browserLocal = await rawRequest(bus.port, "/api/v1/commands/poll", {
    headers: { "User-Agent": "Mozilla/5.0", "Sec-Fetch-Site": "same-origin" },
  });
  assert.equal(browserLocal.status, 401, "a browser never gets the mod's exemption");
  const upgrade = {
    Upgrade: "websocket",
    Connection: "Upgrade, close",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
  };
  const ws = await rawRequest(bus.port, "/api/v1/ws?commands=1", {
    headers: { ...upgrade, ...evil },
  });
  assert.equal(ws.status, 403, "a foreign page cannot open the commands WebSocket");
  const rebound = await rawRequest(bus.port, "/api/v1/events", {
    headers: { Host: `evil.example:${bus.port}`, Authorization: `Bearer ${bus.token}` },
  });
  assert.equal(rebound.status, 403, "DNS rebinding: a foreign Host name is refused");
  assert.match(JSON.parse(rebound.body).error, /--allowed-hosts/);
  const sse = await rawRequest(bus.port, "/api/v1/stream", {
    headers: { ...evil, Authorization: `Bearer ${bus.token}` },
  });
  assert.equal(sse.status, 403);

  // A configured origin gets CORS, and still needs a token.
  const allowed = { Origin: "http://localhost:5173" };
  const preflight = await rawRequest(bus.port, "/api/v1/events", {
    method: "OPTIONS",
    headers: {
      ...allowed,
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "authorization",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "http://localhost:5173");
  const read = await rawRequest(bus.port, "/api/v1/events", {
    headers: { ...allowed, Authorization: `Bearer ${bus.token}` },
  });
  assert.equal(read.status, 200);
  assert.equal(read.headers["access-control-allow-origin"], "http://localhost:5173");
  const noCors = await rawRequest(bus.port, "/health", {});
  assert.equal(noCors.headers["access-control-allow-origin"], undefined);
  const evilPreflight = await rawRequest(bus.port, "/api/v1/events", {
    method: "OPTIONS",
    headers: { ...evil, "Access-Control-Request-Method": "POST" },
  });
  assert.equal(evilPreflight.status, 403);
  // A WebSocket from a non-browser client with a token works (the same single check let it in).
  const socket = new WebSocket(`ws://127.0.0.1:${bus.port}/api/v1/ws`, { headers: bus.auth });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  socket.close();
});

Deno.test(
  "a peer on the network: anonymous → 401, token → 200, --mod-allow gives ingest and poll only" +
    (NETNS_MISSING ? ` (skipped: ${NETNS_MISSING})` : ""),
  { ignore: NETNS_MISSING !== null },
  async () => {
    // The buses run in a test network namespace; this process is a peer on its veth link.
    await using net = await testNetwork();
    const ip = net.inside;
    const host = `--host=${net.inside}`;
    await using bus = await startBus([host, `--mod-allow=${net.outside}/32`], { netns: net.netns });
    await using closed = await startBus([host], { netns: net.netns });
    const remote = (port: number, path: string, opts: Parameters<typeof rawRequest>[2] = {}) =>
      rawRequest(port, path, { ...opts, hostname: ip });
    // Without an allow-list entry the remote mod is a stranger.
    const stranger = await remote(closed.port, BATCH, { body: body(batch(1)) });
    assert.equal(stranger.status, 401, stranger.body);
    assert.equal((await remote(closed.port, "/api/v1/commands/poll")).status, 401);
    const withToken = await remote(closed.port, BATCH, {
      body: body(batch(1)),
      headers: { Authorization: `Bearer ${closed.token}` },
    });
    assert.equal(withToken.status, 200);
    // The allow-listed VM's mod: ingest and poll, nothing else.
    assert.equal((await remote(bus.port, BATCH, { body: body(batch(1)) })).status, 200);
    // Through the connection gate the bus still sees (and logs) the peer's own address.
    const connected = bus.logs.split("\n").filter((l) => l.includes('"msg":"mod connected"'));
    assert.deepEqual(connected.map((l) => JSON.parse(l).client), [net.outside]);
    assert.equal((await remote(bus.port, "/api/v1/commands/poll")).status, 200);
    assert.equal((await remote(bus.port, "/api/v1/events")).status, 401);
    const commands = await remote(bus.port, "/api/v1/commands", {
      body: body('{"commands":["play_hand"]}'),
    });
    assert.equal(commands.status, 401);
    // The native gRPC port runs the same check.
    const grpc = createClient(
      ResourceCoordinator,
      createGrpcTransport({ baseUrl: `http://${ip}:${bus.grpcPort}` }),
    );
    await assert.rejects(
      () => grpc.getStatus({}),
      (err: ConnectError) => err.code === Code.Unauthenticated,
    );
  },
);

Deno.test("a network bind without tokens refuses to start unless the risk is accepted (then warned)", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "jimbot-test-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "--host=0.0.0.0",
        "--port=0",
        "--grpc-port=0",
        `--data-dir=${dataDir}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.notEqual(out.code, 0);
    assert.match(stderr, /Cannot start: --host 0\.0\.0\.0 .*no token.*jimbot token create/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
  await using risky = await startBus(["--host=0.0.0.0", "--allow-insecure-network=true"], {
    withoutToken: true,
  });
  assert.match(risky.logs, /"level":"warn","msg":"listening on a network address"/);
});

Deno.test("native gRPC and Connect: no token → unauthenticated; a token without the scope → permission_denied", async () => {
  await using bus = await startBus(["--gpu=0:8000"]);
  const readOnly = await tokenCli(bus.dataDir, ["create", "--name", "reader", "--scopes", "read"]);
  await waitForToken(bus.url, readOnly);
  const client = (token?: string) =>
    createClient(
      ResourceCoordinator,
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${bus.grpcPort}`,
        interceptors: token ? [bearer(token)] : [],
      }),
    );
  await assert.rejects(
    () => client().getStatus({}),
    (e: ConnectError) => e.code === Code.Unauthenticated,
  );
  await assert.rejects(
    () => client(readOnly).getStatus({}),
    (e: ConnectError) => e.code === Code.PermissionDenied,
  );
  const status = await client(bus.token).getStatus({});
  assert.ok(status.resources.length > 0);
});

Deno.test("jimbot token create/revoke take effect on a running bus without a restart", async () => {
  await using bus = await startBus();
  const token = await tokenCli(bus.dataDir, [
    "create",
    "--name",
    "bot",
    "--scopes",
    "read,commands",
  ]);
  assert.match(token, /^jbt_[0-9a-f]{16}\./);
  const file = await Deno.readTextFile(`${bus.dataDir}/tokens.json`);
  assert.ok(!file.includes(token.split(".")[1]), "the file holds hashes, not tokens");
  await waitForToken(bus.url, token);
  const id = token.slice(4, 20);
  await tokenCli(bus.dataDir, ["revoke", id]);
  const deadline = Date.now() + 10_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await fetch(`${bus.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
    })
      .then(async (r) => (await r.body?.cancel(), r.status));
  }
  assert.equal(status, 401, "a revoked token is refused");
  assert.ok(!bus.logs.includes(token), "the token is never printed by the bus");
});

Deno.test("console sessions: the one-time login link, POST/DELETE /api/v1/session", async () => {
  await using bus = await startBus();
  const link = /"url":"(http:[^"]+\/login\?token=[^"]+)"/.exec(bus.logs)?.[1];
  assert.ok(link, "the login link is logged");
  const path = new URL(link).pathname + new URL(link).search;
  const login = await rawRequest(bus.port, path, {});
  assert.equal(login.status, 303);
  assert.equal(login.headers.location, "/");
  const cookie = login.headers["set-cookie"];
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
  const session = cookie.split(";")[0];
  const asConsole = {
    Cookie: session,
    "Sec-Fetch-Site": "same-origin",
    "User-Agent": "Mozilla/5.0",
  };
  assert.equal((await rawRequest(bus.port, "/api/v1/events", { headers: asConsole })).status, 200);
  assert.equal((await rawRequest(bus.port, path, {})).status, 401, "the link works once");

  const byToken = await rawRequest(bus.port, "/api/v1/session", {
    body: body(JSON.stringify({ token: bus.token })),
  });
  assert.equal(byToken.status, 204);
  const second = byToken.headers["set-cookie"].split(";")[0];
  const out = await rawRequest(bus.port, "/api/v1/session", {
    method: "DELETE",
    headers: { Cookie: second },
  });
  assert.equal(out.status, 204);
  const after = await rawRequest(bus.port, "/api/v1/events", {
    headers: { ...asConsole, Cookie: second },
  });
  assert.equal(after.status, 401, "a closed session is no identity");
  const bad = await rawRequest(bus.port, "/api/v1/session", { body: body('{"token":"x"}') });
  assert.equal(bad.status, 401);
});

async function tokenCli(dataDir: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "token", ...args, `--data-dir=${dataDir}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/** Waits until the bus re-read its tokens file and accepts `token`. */
async function waitForToken(url: string, token: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${token}` } });
    await res.body?.cancel();
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the bus did not pick up the new token");
}

Deno.test("coordinator: leases and reservations belong to their identity; commits are bounded", async () => {
  const config = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      memory: { total_mb: 4096 },
      limiters: { claude: { requests_per_minute: 50, input_tokens_per_minute: 40000 } },
    }),
  );
  try {
    await using bus = await startBus([`--coordinator-config=${config}`, "--gpu=0:8000"]);
    const other = await tokenCli(bus.dataDir, ["create", "--name", "x", "--scopes", "coordinator"]);
    await waitForToken(bus.url, other);
    const call = (token: string, method: string, body: unknown) =>
      bus.post(`/jimbot.coordinator.v1.ResourceCoordinator/${method}`, JSON.stringify(body), {
        authorization: `Bearer ${token}`,
      });
    const lease = await call(bus.token, "Acquire", {
      resource: "memory",
      amount: 100,
      component: "graph",
      ttlMs: 60000,
    });
    const leaseId = lease.json.lease.leaseId;
    assert.match(leaseId, /^[0-9a-f-]{36}$/, "a lease id is a random UUID");
    const stolen = await call(other, "Release", { leaseId });
    assert.equal(stolen.status, 403, stolen.text);
    assert.equal(stolen.json.code, "permission_denied");
    assert.equal((await call(other, "Renew", { leaseId })).json.code, "permission_denied");
    assert.equal((await call(bus.token, "Release", { leaseId })).json.released, true);

    const reserved = await call(bus.token, "Reserve", {
      limiter: "claude",
      estimatedInputTokens: 100,
    });
    const reservationId = reserved.json.reservationId;
    assert.match(reservationId, /^claude:1:[0-9a-f]{16}$/);
    const foreign = await call(other, "Commit", { reservationId, actualInputTokens: 10 });
    assert.equal(foreign.json.code, "permission_denied", foreign.text);
    const guessed = await call(other, "Commit", {
      reservationId: "claude:1",
      actualInputTokens: 1,
    });
    assert.equal(guessed.json.code, "invalid_argument");
    const flood = await call(bus.token, "Commit", { reservationId, actualInputTokens: 4294967295 });
    assert.equal(flood.json.code, "invalid_argument", "a commit cannot take more than a bucket");
    const fair = await call(bus.token, "Commit", { reservationId, actualInputTokens: 120 });
    assert.equal(fair.status, 200, fair.text);
    assert.equal(fair.json.corrected, true);
    const next = await call(other, "Reserve", { limiter: "claude", estimatedInputTokens: 10 });
    assert.equal(next.json.allowed, true, "the limiter still serves everyone");

    // Per-identity cap: one identity cannot hold every lease slot.
    let denied = "";
    for (let i = 0; i < 40 && denied === ""; i++) {
      const r = await call(other, "Acquire", { resource: "memory", amount: 1, component: "c" });
      if (r.json.state === "LEASE_STATE_DENIED") denied = r.json.reason;
    }
    assert.match(denied, /hold or wait for 32 leases/);
  } finally {
    await Deno.remove(config);
  }
});

Deno.test("consumer groups: offsets only inside the log, bounded count and name length", async () => {
  await using bus = await startBus();
  const events = Array.from({ length: 5 }, (_, i) => modEvent("HEARTBEAT", i));
  await bus.post(BATCH, JSON.stringify({ events }));
  const commit = (group: string, offset: string) =>
    bus.post("/jimbot.bus.v1.EventBus/CommitOffset", JSON.stringify({ group, offset }));
  const skipAll = await commit("g", "18446744073709551615");
  assert.equal(skipAll.json.code, "invalid_argument", skipAll.text);
  assert.equal((await commit("g", "5")).json.code, "invalid_argument", "head is not yet written");
  assert.equal((await commit("g", "4")).status, 200);
  assert.equal((await commit("x".repeat(300), "1")).json.code, "invalid_argument");
  // The WebSocket's ack is held to the same bounds.
  const ws = new WebSocket(`ws://127.0.0.1:${bus.port}/api/v1/ws`, { headers: bus.auth });
  const answers: Record<string, unknown>[] = [];
  ws.onmessage = (e) => answers.push(JSON.parse(e.data));
  await new Promise((r) => ws.onopen = r);
  ws.send(JSON.stringify({ op: "subscribe", group: "w", from: "earliest" }));
  ws.send(JSON.stringify({ op: "ack", offset: 2 ** 53 - 1 }));
  const deadline = Date.now() + 5_000;
  while (!answers.some((m) => m.op === "error") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  ws.close();
  assert.match(String(answers.find((m) => m.op === "error")?.error), /must be from 0 to 4/);

  // Group count: 1,000 at most (one exists: "g").
  for (let i = 0; i < 999; i += 50) {
    const batch = Array.from({ length: Math.min(50, 999 - i) }, (_, j) => commit(`g${i + j}`, "0"));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 200, r.text);
  }
  const over = await commit("one-too-many", "0");
  assert.equal(over.json.code, "resource_exhausted", over.text);
  assert.equal((await commit("g7", "3")).status, 200, "existing groups still commit");
});

Deno.test("a malformed --analytics-postgres URL is refused without printing its password", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--analytics-postgres=postgres://jim:hunter2@db:5432x/jimbot"],
    stdout: "null",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2);
  assert.match(stderr, /--analytics-postgres must be a URL .*postgres:\/\/jim:\*\*\*@db/);
  assert.ok(!stderr.includes("hunter2"), stderr);
});

Deno.test("wire strictness: undecodable protobuf and unknown JSON fields → invalid_argument", async () => {
  await using bus = await startBus();
  const publish = (type: string, body: BodyInit) =>
    fetch(`${bus.url}/jimbot.bus.v1.EventBus/Publish`, {
      method: "POST",
      headers: { "content-type": type, ...bus.auth },
      body,
    }).then(async (r) => ({ status: r.status, json: await r.json() }));
  const binary = await publish(
    "application/proto",
    new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]),
  );
  assert.equal(binary.status, 400);
  assert.equal(binary.json.code, "invalid_argument");
  const unknown = await publish(
    "application/json",
    JSON.stringify({ batch: { events: [{ type: "MONEY_CHANGED", payload: { new_value: 3 } }] } }),
  );
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.code, "invalid_argument");
  assert.match(unknown.json.message, /"payload" is unknown/);
  assert.equal((await bus.events()).length, 0, "nothing was stored as null");
});

Deno.test("--anonymous-loopback=false: even the local mod needs a token", async () => {
  await using bus = await startBus(["--anonymous-loopback=false"]);
  assert.equal((await rawRequest(bus.port, BATCH, { body: body(batch(1)) })).status, 401);
  assert.equal((await rawRequest(bus.port, "/api/v1/commands/poll", {})).status, 401);
  assert.equal((await bus.post(BATCH, batch(1))).status, 200, "with a token it may");
});
