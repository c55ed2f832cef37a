// The default connection cap stays below the open-file limit, with room for everything else.
import assert from "node:assert/strict";
import { autoMaxConnections, openFileLimit } from "../../src/gate/mod.ts";

Deno.test("--max-connections auto: a quarter of the open-file limit less 256, within 16..4,096", () => {
  assert.equal(autoMaxConnections(1024), 192);
  assert.equal(autoMaxConnections(20_000), 4_096);
  assert.equal(autoMaxConnections(300), 16);
  assert.equal(autoMaxConnections(null), 1_024);
  // Three descriptors per main-port connection, one per gRPC connection, 256 kept aside.
  for (const limit of [512, 1024, 4096, 8192, 16_384]) {
    const cap = autoMaxConnections(limit);
    assert.ok(cap * 4 + 256 <= limit || cap === 16, `limit ${limit}: cap ${cap}`);
  }
});

Deno.test(
  "the open-file limit is read from /proc on Linux",
  { ignore: Deno.build.os !== "linux" },
  () => {
    const limit = openFileLimit();
    assert.ok(limit !== null && limit > 0, String(limit));
  },
);
