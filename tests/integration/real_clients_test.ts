// The mod's transports with real clients: Lua (LuaSocket, as the mod's raw backend would post)
// and curl (libcurl, the mod's Linux backend), found on PATH. CI installs both; without them the
// tests are skipped and say why.
import assert from "node:assert/strict";
import { FIXTURES, startBus } from "./_bus.ts";
import { anyMissing, findTool, pathOf, testName } from "../_tools.ts";

const LUA = await findTool(
  "lua5.4",
  ["-e", "require('socket.http')"],
  "apt-get install lua5.4 lua-socket",
);
const CURL = await findTool("curl", ["--version"], "apt-get install curl");
const LUA_CLIENT = new URL("./clients/mod_client.lua", import.meta.url).pathname;

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

Deno.test({
  name: testName("Lua client (LuaSocket): the mod's bodies and the poll, byte for byte", LUA),
  ignore: anyMissing(LUA),
  async fn() {
    await using bus = await startBus();
    await bus.post("/api/v1/commands", '{"commands":["select_card:0","play_hand"]}');
    const lines = (await run(pathOf(LUA), [
      LUA_CLIENT,
      bus.url,
      `${FIXTURES}connection_test.json:/api/v1/events`,
      `${FIXTURES}game_state_initial.json:/api/v1/events/batch`,
      `${FIXTURES}nan_inf_numbers.txt:/api/v1/events/batch`,
      `${FIXTURES}raw_control_char.txt:/api/v1/events/batch`,
      `${FIXTURES}game_state_initial.json:/api/v1/events/batch`,
      "poll",
      "poll",
    ])).replace(/\n$/, "").split("\n");
    const posts = lines.slice(0, 5).map((l) => {
      const [, status, body] = /^post (\d+) (.*)$/.exec(l)!;
      return { code: Number(status), ...JSON.parse(body) };
    });
    assert.deepEqual(posts.map((p) => p.code), [200, 200, 200, 200, 200]);
    assert.deepEqual(posts.map((p) => p.accepted), [1, 1, 3, 2, 0]);
    assert.equal(posts[4].duplicates, 1);
    assert.equal(lines[5], "poll 200 select_card:0|play_hand|");
    assert.equal(lines[6], "poll 200 ");
    assert.equal((await bus.events()).length, 7);
  },
});

Deno.test({
  name: testName("curl over HTTP/1.1, with Expect: 100-continue on a large body", CURL),
  ignore: anyMissing(CURL),
  async fn() {
    await using bus = await startBus();
    const big = JSON.stringify({
      events: Array.from({ length: 40 }, (_, i) => ({
        type: "GAME_STATE",
        event_id: `curl-${i}`,
        payload: { pad: "x".repeat(20_000) },
      })),
    });
    const file = await Deno.makeTempFile();
    await Deno.writeTextFile(file, big);
    const out = await run(pathOf(CURL), [
      "-sS",
      "--http1.1",
      "-H",
      "Content-Type: application/json",
      "-H",
      "Expect: 100-continue",
      "--data-binary",
      `@${file}`,
      "-w",
      "\n%{http_code} %{http_version}",
      `${bus.url}/api/v1/events/batch`,
    ]);
    const [body, status] = out.split("\n");
    assert.equal(status, "200 1.1");
    assert.equal(JSON.parse(body).accepted, 40);
    const poll = await run("curl", ["-sS", "-i", "--http1.1", `${bus.url}/api/v1/commands/poll`]);
    assert.match(poll, /^HTTP\/1\.1 200/);
    assert.match(poll, /content-length: 0/i);
    await Deno.remove(file);
  },
});
