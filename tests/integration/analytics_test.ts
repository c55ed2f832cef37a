import assert from "node:assert/strict";
import { parquetReadObjects } from "hyparquet";
import { AnalyticsStore } from "../../src/analytics/mod.ts";
import { fixture, type RunningBus, startBus } from "./_bus.ts";
import { batches, generateGames } from "../analytics/_game_generator.ts";
import { toEnvelopes } from "../analytics/_envelopes.ts";
import { COMPARABLE } from "../analytics/_compare.ts";

const QUIET = ["--live-advice=false"];

async function post(bus: RunningBus, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const res = await bus.post("/api/v1/events/batch", body);
    assert.equal(res.status, 200, res.text);
  }
}

/** Waits until the projection has applied the whole log. */
async function caughtUp(bus: RunningBus, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await bus.get("/api/v1/analytics/status");
    if (json.offset >= json.log_head) return;
    if (Date.now() > deadline) throw new Error(`projection stuck: ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function query(bus: RunningBus, sql: string, params: unknown[] = []) {
  const res = await bus.post("/api/v1/analytics/query", JSON.stringify({ sql, params }));
  assert.equal(res.status, 200, res.text);
  return res.json.rows as Record<string, unknown>[];
}

/** The expected answers: the same events projected in-process. */
function expected(games: number, seed: number): Record<string, Record<string, unknown>[]> {
  const envs = toEnvelopes(generateGames(games, seed).events);
  const store = AnalyticsStore.open(":memory:");
  store.apply(envs, envs.length);
  const out = Object.fromEntries(
    Object.entries(COMPARABLE).map(([k, sql]) => [k, store.db.prepare(sql).all()]),
  );
  store.close();
  return out as Record<string, Record<string, unknown>[]>;
}

async function assertSameAsInProcess(bus: RunningBus, games: number, seed: number) {
  const want = expected(games, seed);
  for (const [name, sql] of Object.entries(COMPARABLE)) {
    const got = await query(bus, sql);
    assert.equal(got.length, want[name].length, `${name} row count`);
    assert.deepEqual(got, want[name].map((r) => ({ ...r })), name);
  }
}

Deno.test("analytics projects fixture bodies and generated games; SQL, export, synergy, patterns", async () => {
  await using bus = await startBus([
    ...QUIET,
    "--analytics-query-timeout=400ms",
    "--analytics-max-rows=20000",
  ]);
  for (const f of ["game_state_initial.json", "state_diff_batch.json", "round_complete.json"]) {
    assert.equal((await bus.post("/api/v1/events/batch", fixture(f))).status, 200);
  }
  await caughtUp(bus);
  const fixtureGame = await query(bus, "SELECT seed, final_ante FROM games");
  assert.deepEqual(fixtureGame, [{ seed: "7NQH2KTB", final_ante: 2 }]);
  const [round] = await query(bus, "SELECT * FROM rounds WHERE round = 5");
  assert.equal(round.required_chips, 1200);
  assert.equal(round.score, 2921);
  assert.equal(round.won, 1);
  const money = await query(bus, "SELECT old_value, new_value FROM money_changes");
  assert.deepEqual(money, [{ old_value: 9, new_value: 12 }]);

  const gen = generateGames(30, 5);
  await post(bus, batches(gen.events, 500));
  await caughtUp(bus);
  await assertSameAsInProcess(bus, 30, 5);
  const [{ n }] = await query(bus, "SELECT SUM(events) AS n FROM events_per_hour");
  assert.equal(n, (await bus.events("limit=100000")).length);

  // Read-only: writes, ATTACH, writing PRAGMAs and stacked statements are refused.
  for (
    const sql of [
      "INSERT INTO games (seed) VALUES ('x')",
      "ATTACH DATABASE '/tmp/x.db' AS x",
      "PRAGMA journal_mode = DELETE",
      "PRAGMA writable_schema(1)",
      "SELECT 1; DROP TABLE games",
      "WITH x AS (SELECT 1) DELETE FROM games",
      "/* hi */ UPDATE games SET won = 1",
    ]
  ) {
    const res = await bus.post("/api/v1/analytics/query", JSON.stringify({ sql }));
    assert.equal(res.status, 400, sql);
    assert.equal(res.json.status, "error");
    assert.match(res.json.error, /^Cannot run the query: /);
  }
  const strings = await query(bus, "SELECT 'DELETE; ATTACH' AS s, ? AS p", [7]);
  assert.deepEqual(strings, [{ s: "DELETE; ATTACH", p: 7 }]);
  assert.equal((await query(bus, "PRAGMA table_info(games)")).length, 13);
  // A runaway query is stopped at its time budget, and the bus keeps answering.
  const started = Date.now();
  const runaway = await bus.post(
    "/api/v1/analytics/query",
    JSON.stringify({
      sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
    }),
  );
  assert.equal(runaway.status, 400);
  assert.match(runaway.json.error, /time budget of 400 ms/);
  assert.ok(Date.now() - started < 3_000);
  // Row limit.
  const many = await bus.post(
    "/api/v1/analytics/query",
    JSON.stringify({
      sql:
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20001) SELECT x FROM c",
    }),
  );
  assert.equal(many.json.row_count, 20000);
  assert.equal(many.json.truncated, true);
  // CSV on request.
  const csv = await bus.post(
    "/api/v1/analytics/query",
    JSON.stringify({
      sql: "SELECT seed, won FROM games WHERE seed LIKE 'S0%' ORDER BY seed LIMIT 2",
    }),
    { accept: "text/csv" },
  );
  assert.match(csv.headers.get("content-type")!, /^text\/csv/);
  assert.equal(csv.text, "seed,won\r\nS005G0000,1\r\nS005G0001,0\r\n");

  // Export: Parquet reads back to the same rows; CSV by table name.
  const rows = await query(bus, "SELECT * FROM rounds ORDER BY game_key, round");
  const res = await fetch(`${bus.url}/api/v1/analytics/export?table=rounds&format=parquet`, {
    headers: bus.auth,
  });
  assert.equal(res.status, 200);
  const file = await res.arrayBuffer();
  const back = await parquetReadObjects({ file });
  back.sort((a, b) => a.game_key - b.game_key || a.round - b.round);
  assert.deepEqual(back, rows);
  const byPost = await fetch(`${bus.url}/api/v1/analytics/export`, {
    method: "POST",
    headers: bus.auth,
    body: JSON.stringify({
      sql: "SELECT seed, won FROM games WHERE won = ?",
      params: [1],
      format: "csv",
    }),
  });
  const lines = (await byPost.text()).trim().split("\r\n");
  assert.equal(lines[0], "seed,won");
  assert.equal(lines.length - 1, gen.games.filter((g) => g.won === 1).length);
  const badTable = await bus.get("/api/v1/analytics/export?table=analytics_meta");
  assert.equal(badTable.status, 400);

  // Synergy and patterns.
  const synergy = await bus.get("/api/v1/analytics/synergy?hands=60");
  assert.equal(synergy.status, 200, JSON.stringify(synergy.json));
  const top = synergy.json.pairs[0];
  assert.deepEqual([top.a, top.b], ["Cavendish", "Joker"]);
  const synergyCsv = await bus.get("/api/v1/analytics/synergy?hands=20", { accept: "text/csv" });
  assert.match(synergyCsv.text, /^a,b,engine_uplift,/);
  const patterns = await bus.get("/api/v1/analytics/patterns?min_length=3&min_support=0.02");
  const planted = patterns.json.patterns.find((p: { pattern: string[] }) =>
    p.pattern.join() === "discard,play:Flush,play:Flush"
  );
  assert.equal(planted.win_rate, 1);
});

Deno.test("analytics survives kill -9 during projection: no row twice, none missing; rebuild, query and export CLI", async () => {
  const games = 200;
  const dataDir = await Deno.makeTempDir({ prefix: "jimbot-analytics-" });
  const first = await startBus([...QUIET, "--analytics=false"], { dataDir });
  await post(first, batches(generateGames(games, 9).events, 2000));
  await first.stop();
  let bus = await startBus(QUIET, { dataDir });
  try {
    // Kill while the backlog is being projected.
    for (let tries = 0;; tries++) {
      const { json } = await bus.get("/api/v1/analytics/status");
      if (json.offset > 0) {
        assert.ok(json.offset < json.log_head, "projection finished before the kill");
        break;
      }
      assert.ok(tries < 2_000, "projection did not start");
      await new Promise((r) => setTimeout(r, 2));
    }
    bus = await bus.restart("SIGKILL");
    await caughtUp(bus);
    await assertSameAsInProcess(bus, games, 9);
    await bus.stop();

    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../main.ts", import.meta.url).pathname,
          ...args,
          `--data-dir=${dataDir}`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = {
        out: new TextDecoder().decode(out.stdout),
        err: new TextDecoder().decode(out.stderr),
      };
      assert.equal(out.code, 0, text.err);
      return text;
    };
    const rebuilt = await run("analytics", "rebuild");
    assert.match(rebuilt.err, /rebuilt .*analytics\.sqlite: \d+ events/);
    const table = await run("query", "SELECT COUNT(*) AS games, SUM(won) AS won FROM games");
    assert.match(table.out, /games \| won\n/);
    assert.match(table.out, new RegExp(`\\b${games} \\| +${Math.ceil(games / 3)}\\n`));
    const out = `${dataDir}/games.parquet`;
    await run("export", "--table", "games", "--out", out);
    const back = await parquetReadObjects({ file: (await Deno.readFile(out)).buffer });
    assert.equal(back.length, games);
    bus = await startBus(QUIET, { dataDir });
    await assertSameAsInProcess(bus, games, 9);
  } finally {
    await bus[Symbol.asyncDispose]();
  }
});
