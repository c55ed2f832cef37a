// On every group-committing log: an append that cannot be planned (its envelope cannot be
// serialised) is refused and leaves no trace in the dedupe index: a later event with the same
// client id is stored, not reported as a duplicate of an offset that another event then takes.
import assert from "node:assert/strict";
import { openStorage } from "../../src/log/mod.ts";
import { event, logOptions } from "./_storage_cases.ts";

for (const store of ["kv", "sqlite"] as const) {
  Deno.test(`${store} log: an append that cannot be planned is refused and leaves no trace in dedupe`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-plan-failure-" });
    try {
      await using s = await openStorage(store, dir, logOptions());
      await assert.rejects(
        s.log.append({ events: [event("a"), event("b", { payload: 1n })], deadLetters: [] }),
        TypeError, // JSON.stringify of a BigInt
      );
      const r = await s.log.append({ events: [event("a"), event("b")], deadLetters: [] });
      assert.deepEqual(r.outcomes, [
        { offset: 0, duplicate: false },
        { offset: 1, duplicate: false },
      ]);
      const ids = [];
      for await (const e of s.log.read(0, { limit: 10 })) ids.push(JSON.parse(e.json).event_id);
      assert.deepEqual(ids, ["a", "b"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
