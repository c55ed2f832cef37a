// What a user sees when something is wrong or worth knowing: each message names what to change,
// every help text calls the program `jimbot`, and the log stays JSON lines.
import assert from "node:assert/strict";
import { startBus } from "./_bus.ts";
import { modEvent } from "./_stream_client.ts";
import denoJson from "../../deno.json" with { type: "json" };

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function jimbot(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

/** A port some other program holds for the duration of `use`. */
async function withTakenPort(use: (port: number) => Promise<void>): Promise<void> {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await use((taken.addr as Deno.NetAddr).port);
  } finally {
    taken.close();
  }
}

Deno.test("--version prints the program name and the version of deno.json", async () => {
  for (const flag of ["--version", "-V"]) {
    const res = await jimbot(flag);
    assert.equal(res.code, 0, res.err);
    assert.match(
      res.out,
      new RegExp(`^jimbot ${denoJson.version.replaceAll(".", "\\.")} \\(Deno `),
    );
  }
});

Deno.test("every help text calls the program jimbot and exits 0", async () => {
  const helps = [
    ["--help"],
    ["help"],
    ["score", "--help"],
    ["replay", "--help"],
    ["analytics", "--help"],
    ["analytics", "rebuild", "--help"],
    ["query", "--help"],
    ["export", "--help"],
  ];
  for (const args of helps) {
    const res = await jimbot(...args);
    assert.equal(res.code, 0, `${args.join(" ")}: ${res.err}`);
    assert.match(res.out, /Usage:\s+jimbot /, args.join(" "));
    assert.doesNotMatch(res.out, /main\.ts/, args.join(" "));
  }
});

Deno.test("--data-dir naming a file: says it is a file, exit 1", async () => {
  const file = await Deno.makeTempFile();
  try {
    const res = await jimbot("--port=0", "--grpc-port=0", `--data-dir=${file}`);
    assert.equal(res.code, 1);
    assert.equal(
      res.err.trim().split("\n").at(-1),
      `Cannot start: --data-dir "${file}" is a file, not a directory; ` +
        "give a directory (it is created if missing)",
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a port in use: the message names the port and its flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withTakenPort(async (port) => {
      const http = await jimbot(`--port=${port}`, "--grpc-port=0", `--data-dir=${dir}`);
      assert.equal(http.code, 1);
      assert.equal(
        http.err.trim().split("\n").at(-1),
        `Cannot start: port ${port} on 127.0.0.1 is already in use (--port); ` +
          "stop the program holding it or choose another with --port (0 picks a free one)",
      );
      const grpc = await jimbot("--port=0", `--grpc-port=${port}`, `--data-dir=${dir}`);
      assert.equal(grpc.code, 1);
      assert.match(
        grpc.err.trim().split("\n").at(-1)!,
        new RegExp(
          `^Cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use \\(--grpc-port\\)`,
        ),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an offset read on an empty log says the log is empty", async () => {
  await using bus = await startBus();
  const res = await bus.get("/api/v1/events/5");
  assert.equal(res.status, 404);
  assert.equal(
    res.json.error,
    "No event at offset 5; the log is empty: nothing has been posted yet",
  );
  await bus.post("/api/v1/events/batch", JSON.stringify({ events: [modEvent("HEARTBEAT", 0)] }));
  const after = await bus.get("/api/v1/events/5");
  assert.equal(after.json.error, "No event at offset 5; the log holds offsets 0 to 0");
});

Deno.test("the log: 'mod connected' once per client, a summary while events flow, JSON only", async () => {
  await using bus = await startBus(["--summary-interval=300ms"]);
  const mod = { "user-agent": "BalatroMCP/1.0" };
  for (let i = 0; i < 3; i++) {
    const events = [modEvent("MONEY_CHANGED", i)];
    const res = await bus.post("/api/v1/events/batch", JSON.stringify({ events }), mod);
    assert.equal(res.status, 200);
    assert.equal((await bus.get("/api/v1/commands/poll", mod)).status, 200);
  }
  // Every wire variant that touches request.signal (Connect unary, a server stream over SSE).
  await bus.post("/jimbot.coordinator.v1.ResourceCoordinator/GetStatus", "{}");
  const sse = await fetch(`${bus.url}/api/v1/stream?topics=game.>`);
  await sse.body?.cancel();
  const deadline = Date.now() + 10_000;
  while (!bus.logs.includes('"logHead":3}') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await bus.stop();
  const records = bus.logs.split("\n").filter((l) => l !== "").map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      assert.fail(`a log line is not JSON: ${line}`);
    }
  });
  const connected = records.filter((r) => r.msg === "mod connected");
  assert.equal(connected.length, 1, JSON.stringify(connected));
  assert.equal(connected[0].level, "info");
  assert.equal(connected[0].userAgent, "BalatroMCP/1.0");
  assert.equal(connected[0].first, "POST /api/v1/events/batch");
  // The posts may straddle two periods: the summaries add up to what was sent.
  const summaries = records.filter((r) => r.msg === "summary");
  assert.ok(summaries.length >= 1, "no summary line");
  assert.ok(summaries.every((r) => r.level === "info"));
  assert.equal(summaries.reduce((n, r) => n + r.events, 0), 3);
  assert.equal(summaries.reduce((n, r) => n + r.modPosts, 0), 3);
  assert.equal(summaries.at(-1).logHead, 3);
});
