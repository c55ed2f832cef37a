// The storage conformance suite on the SQLite log store (its other stores are Deno KV's): real
// files in a temp dir, reopened for restarts.
import assert from "node:assert/strict";
import { StartupError } from "../../src/errors.ts";
import { openSqliteStorage, openStorage } from "../../src/log/mod.ts";
import { event, logOptions, storageConformance } from "./_storage_cases.ts";

storageConformance("sqlite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-sqlite-storage-" });
  return {
    open: (opts) => openSqliteStorage(dir, opts),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
});

Deno.test("a data dir keeps its log store: opening it with the other one is refused", async () => {
  const opts = logOptions();
  for (const [written, other] of [["kv", "sqlite"], ["sqlite", "kv"]] as const) {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-log-store-" });
    try {
      {
        await using s = await openStorage(written, dir, opts);
        await s.log.append({ events: [event("kept")], deadLetters: [] });
      }
      await assert.rejects(
        openStorage(other, dir, opts),
        (err) => err instanceof StartupError && err.message.includes(`--log-store=${written}`),
      );
      await using again = await openStorage(written, dir, opts);
      assert.equal(again.log.bounds().head, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});
