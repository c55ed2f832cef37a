// The Lua client's pure parts (SHA-1, base64, masking, JSON, time-sliced encoding, ids, backoff)
// and the drop-in's surface under each interpreter; the bundled file and the generated protobuf
// schema are current.
import assert from "node:assert/strict";
import { luaTest, ROOT } from "./_lua.ts";
import { BUNDLE_PATH, render as renderBundle } from "../../clients/lua/bundle.ts";
import { render as renderSchema, SCHEMA_PATH } from "../../clients/lua/gen_proto_schema.ts";

const UNITS = new URL("./_units.lua", import.meta.url).pathname;

await luaTest(
  "units: sha1, base64, masking, json, ids, backoff, the drop-in's surface",
  async (interpreter) => {
    const out = await new Deno.Command(interpreter, { args: [UNITS, ROOT] }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, `${new TextDecoder().decode(out.stderr)}\n${stdout}`);
    assert.equal(stdout.trim().split("\n").filter((l) => l.startsWith("ok ")).length, 8, stdout);
  },
);

Deno.test("lua: event_bus_client.lua is the bundle of clients/lua/src (run clients/lua/bundle.ts)", () => {
  assert.equal(Deno.readTextFileSync(BUNDLE_PATH), renderBundle());
});

Deno.test("lua: proto_schema.lua matches proto/ (run clients/lua/gen_proto_schema.ts)", () => {
  assert.equal(Deno.readTextFileSync(SCHEMA_PATH), renderSchema());
});
