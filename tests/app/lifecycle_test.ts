// Start and stop of the real listeners, in process: a start that fails half-way leaves nothing
// open (the port and the data dir start again; Deno's resource and op sanitizers, switched on
// here, fail the test on a leaked database, file or timer), and a stop answers new requests 503
// (closing their connections) and closes connections that are still busy after --shutdown-timeout.
import assert from "node:assert/strict";
import { StartupError } from "../../src/errors.ts";
import { startApp } from "../../src/server.ts";
import { capturingLogger, testConfig } from "./_in_process.ts";

const sanitized = { sanitizeOps: true, sanitizeResources: true };

Deno.test(
  "a start that fails at the gRPC port closes the store, listener and lock it opened",
  sanitized,
  async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const httpPort = freePort();
    const config = await testConfig([`--grpc-port=${taken.addr.port}`, `--port=${httpPort}`]);
    const { logger } = capturingLogger();
    await assert.rejects(startApp(config, logger), (err) => {
      assert.ok(err instanceof StartupError, String(err));
      assert.equal(err.exitCode, 1);
      assert.match(
        err.message,
        /^Cannot start: port \d+ on 127\.0\.0\.1 is already in use \(--grpc-port\)/,
      );
      return true;
    });
    // The HTTP port, the lock and the KV file were released: the same data dir and port start.
    const running = await startApp({ ...config, grpcPort: 0 }, logger);
    assert.equal(running.port, httpPort);
    await running.stop();
    await Deno.remove(config.dataDir, { recursive: true });
  },
);

function freePort(): number {
  using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return probe.addr.port;
}

Deno.test("stop closes connections still busy after --shutdown-timeout", async () => {
  const config = await testConfig(["--shutdown-timeout=300ms", "--analytics=true"]);
  const { logger, lines } = capturingLogger();
  const running = await startApp(config, logger);
  // A body that never ends: the request stays in flight until the bus gives up on it.
  const { promise: sent, resolve: onSent } = Promise.withResolvers<void>();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"events": ['));
      onSent();
    },
  });
  const stuck = fetch(`http://127.0.0.1:${running.port}/api/v1/events/batch`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  }).then((r) => r.body?.cancel().then(() => r.status) ?? r.status, (e: Error) => e);
  await sent;
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  const stopped = running.stop();
  // While it stops (the HTTP listener's turn comes after the gRPC one's), a new request is
  // answered 503 with connection: close, and its connection ends.
  let answer = "";
  for (let i = 0; i < 50 && !answer.startsWith("HTTP/1.1 503"); i++) {
    const late = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    await late.write(new TextEncoder().encode("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    answer = "";
    const buf = new Uint8Array(4096);
    const read = (async () => {
      for (let n; (n = await late.read(buf)) !== null;) {
        answer += new TextDecoder().decode(buf.subarray(0, n));
      }
    })();
    // A 200 (not stopping yet) leaves the connection open: try again on a new one.
    await Promise.race([read, new Promise((r) => setTimeout(r, 20))]);
    if (answer.startsWith("HTTP/1.1 503")) await read;
    late.close();
    await read.catch(() => {});
  }
  assert.match(answer, /^HTTP\/1\.1 503[^]*connection: close[^]*The bus is shutting down/);
  await stopped;
  const took = performance.now() - started;
  const outcome = await stuck; // the closed connection also cancelled the body stream
  assert.ok(outcome instanceof Error, `the busy request got an answer: ${outcome}`);
  assert.ok(took >= 250 && took < 5_000, `stop took ${Math.round(took)} ms`);
  assert.ok(lines.some((l) => l.msg === "shutdown timed out; closing open connections"));
  assert.ok(lines.some((l) => l.msg === "stopped"));
  await assert.rejects(fetch(`http://127.0.0.1:${running.port}/health`), "the port still answers");
  await Deno.remove(config.dataDir, { recursive: true });
});

Deno.test("an idle stop does not wait for the timeout", async () => {
  const config = await testConfig(["--shutdown-timeout=10s"]);
  const { logger, lines } = capturingLogger();
  const running = await startApp(config, logger);
  const health = await fetch(`http://127.0.0.1:${running.port}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const started = performance.now();
  await running.stop();
  assert.ok(performance.now() - started < 3_000);
  assert.ok(!lines.some((l) => l.msg === "shutdown timed out; closing open connections"));
  await Deno.remove(config.dataDir, { recursive: true });
});
