// Subcommand flags through node:util parseArgs: both spellings, booleans, one-sentence refusals,
// and pass-through of the bus options a command forwards.
import assert from "node:assert/strict";
import { readFlags } from "../../src/cli/flags.ts";
import { BusError } from "../../src/errors.ts";

const SPEC = { values: ["out", "format"], booleans: ["quiet", "help"] };

Deno.test("values in both spellings, booleans, -h, positionals", () => {
  const f = readFlags(["--out", "a.csv", "--format=csv", "--quiet", "x", "-h"], SPEC, "t");
  assert.deepEqual([...f.values], [["out", "a.csv"], ["format", "csv"], ["quiet", "true"], [
    "help",
    "true",
  ]]);
  assert.deepEqual(f.positionals, ["x"]);
});

Deno.test("an unknown flag or a missing value is a malformed BusError in one sentence", () => {
  assert.throws(() => readFlags(["--colour=red"], SPEC, "t"), (err) => {
    assert.ok(err instanceof BusError && err.kind === "malformed");
    assert.equal(err.message, 'Unknown option "--colour=red": see "t --help"');
    return true;
  });
  assert.throws(() => readFlags(["--out"], SPEC, "t"), /^BusError: Option --out needs a value$/);
});

Deno.test("pass-through keeps what the command does not read, in order and as written", () => {
  const f = readFlags(
    ["--data-dir", "/d", "SELECT 1", "--format", "json", "--retention-max-age=2h"],
    { values: ["format"], passThrough: true },
    "query",
  );
  assert.deepEqual(f.others, ["--data-dir", "/d", "SELECT 1", "--retention-max-age=2h"]);
  assert.equal(f.values.get("format"), "json");
});
