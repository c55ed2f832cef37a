// `jimbot migrate --to jetstream`: a KV data dir copied into a real nats-server reads back the
// same bytes, groups, commands and coordinator state; resent event_ids stay duplicates.
import assert from "node:assert/strict";
import { openJetStreamStorage } from "../../src/log/jetstream/mod.ts";
import { openKvStorage, type Storage } from "../../src/log/mod.ts";
import { NATS_MISSING, NatsCluster } from "../_nats_server.ts";
import { event, logOptions } from "../log/_storage_cases.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const skip = NATS_MISSING ? ` (skipped: ${NATS_MISSING})` : "";

async function everything(s: Storage) {
  const events: string[] = [];
  for await (const e of s.log.read(0, { limit: 1e9 })) events.push(e.json);
  const letters: string[] = [];
  for await (const l of s.log.readDeadLetters(0, 1e9)) letters.push(l);
  return {
    events,
    letters,
    groups: await s.groups.list(),
    commands: (await s.commands.peek(100)).map((c) => c.line),
    pool: (await s.coordinator.get("pool/gpu0"))?.value,
  };
}

async function migrate(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "migrate", "--to", "jetstream", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: `migrate --to jetstream copies a KV data dir byte for byte${skip}`,
  ignore: NATS_MISSING !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-migrate-" });
    await using nats = await NatsCluster.start(1);
    try {
      let before;
      {
        await using kv = await openKvStorage(`${dir}/jimbot.kv`, logOptions());
        await kv.log.append({
          events: Array.from(
            { length: 2_500 },
            (_, i) => event(i % 3 ? `id${i}` : null, { topic: `game.t${i % 7}` }),
          ),
          deadLetters: [{ reason: "bad", raw: "{", route: "/api/v1/events" }],
        });
        await kv.groups.commit("bot", 41);
        await kv.commands.append(["go", "stop"]);
        await kv.coordinator.swap("pool/gpu0", new TextEncoder().encode('{"x":1}'), null);
        before = await everything(kv);
      }
      const flags = [`--data-dir=${dir}`, `--nats-servers=${nats.urls[0]}`, "--nats-namespace=mig"];
      const run = await migrate(flags);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /2500 events \(offsets moved by 0\), 1 dead letters, 1 consumer/);
      await using js = await openJetStreamStorage({
        ...logOptions(),
        nats: { servers: nats.urls, namespace: "mig", replicas: 1 },
      });
      assert.deepEqual(await everything(js), before);
      const again = await js.log.append({ events: [event("id1")], deadLetters: [] });
      assert.deepEqual(again.outcomes, [{ offset: 1, duplicate: true }]);
      // A second run refuses: the namespace is no longer empty.
      const twice = await migrate(flags);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /already holds events/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
