import assert from "node:assert/strict";
import {
  JsonDepthError,
  JsonSyntaxError,
  nestingDepthExceeds,
  parseLenientJson as parseBytes,
} from "../../src/ingest/lenient_json.ts";

const enc = new TextEncoder();
const parseLenientJson = (text: string, maxDepth: number) => parseBytes(enc.encode(text), maxDepth);

Deno.test("parseLenientJson() takes valid JSON as JSON.parse does, with no repairs", () => {
  const text = '{"a":[1,2.5,"x",{"b":null}],"c":true,"d":8.1534023311907e+307}';
  assert.deepEqual(parseLenientJson(text, 128), { value: JSON.parse(text), repairs: [] });
});

Deno.test("parseLenientJson() turns nan/-nan/inf/-inf into null and records each with its path", () => {
  const { value, repairs } = parseLenientJson(
    '{"a":inf,"b":[1,-nan,{"c":-inf}],"d":nan,"e":Infinity}',
    128,
  );
  assert.deepEqual(value, { a: null, b: [1, null, { c: null }], d: null, e: null });
  assert.deepEqual(repairs.map((r) => [r.path, r.original]), [
    [["a"], "inf"],
    [["b", 1], "-nan"],
    [["b", 2, "c"], "-inf"],
    [["d"], "nan"],
    [["e"], "Infinity"],
  ]);
});

Deno.test("parseLenientJson() keeps raw control characters and records the string", () => {
  const { value, repairs } = parseLenientJson('{"k":"a\u0001b\u001fc","ok":"\\n"}', 128);
  assert.deepEqual(value, { k: "a\u0001b\u001fc", ok: "\n" });
  assert.equal(repairs.length, 1);
  assert.deepEqual(repairs[0].path, ["k"]);
  assert.equal(repairs[0].original, "U+0001,U+001F");
  assert.equal(repairs[0].replacement, '"a\\u0001b\\u001fc"');
});

Deno.test("parseLenientJson() rejects what it cannot repair, naming the position", () => {
  for (const bad of ['{"a":', '{"a" 1}', "[1,]", '{"a":tru}', '"\\x"', "{} x", '{"a":"b']) {
    assert.throws(() => parseLenientJson(bad, 128), JsonSyntaxError, bad);
  }
  assert.throws(() => parseLenientJson('{"a":"b', 128), /unterminated string at character 5/);
});

Deno.test("parseLenientJson() enforces the depth limit before parsing", () => {
  const deep = "[".repeat(50) + "]".repeat(50);
  assert.ok(parseLenientJson(deep, 50));
  assert.throws(() => parseLenientJson(deep, 49), JsonDepthError);
  assert.ok(
    !nestingDepthExceeds(enc.encode('["[[[[", "\\"[[["]'), 1),
    "brackets inside strings do not count",
  );
});

Deno.test("parseLenientJson() keeps a __proto__ key as data", () => {
  const { value } = parseLenientJson('{"__proto__":{"x":1},"n":nan}', 8);
  assert.deepEqual(Object.keys(value as object), ["__proto__", "n"]);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
});
