// The storage conformance suite on Deno KV: a real KV file in a temp dir, reopened for restarts.
import { openKvStorage } from "../../src/log/mod.ts";
import { storageConformance } from "./_storage_cases.ts";

storageConformance("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-kv-storage-" });
  return {
    open: (opts) => openKvStorage(`${dir}/jimbot.kv`, opts),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
});
