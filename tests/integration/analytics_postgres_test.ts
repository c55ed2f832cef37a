import assert from "node:assert/strict";
import postgres from "postgres";
import { PROJECTED_TABLES } from "../../src/analytics/mod.ts";
import { type RunningBus, startBus } from "./_bus.ts";
import { batches, generateGames } from "../analytics/_game_generator.ts";
import { postgresBin, startPostgres } from "../analytics/_postgres.ts";
import { anyMissing, pathOf, testName } from "../_tools.ts";

const BIN = await postgresBin();

/** Every mirrored table as sorted rows with plain numbers (PostgreSQL BIGINT comes as text). */
async function sqliteTables(bus: RunningBus) {
  const out: Record<string, unknown[]> = {};
  for (const [table, pk] of Object.entries(PROJECTED_TABLES)) {
    const sql = `SELECT * FROM ${table} ORDER BY ${pk.map((k) => `"${k}"`).join(", ")}`;
    const res = await bus.post("/api/v1/analytics/query", JSON.stringify({ sql }));
    assert.equal(res.status, 200, res.text);
    out[table] = res.json.rows;
  }
  return out;
}

async function pgTables(sql: postgres.Sql) {
  const out: Record<string, unknown[]> = {};
  for (const [table, pk] of Object.entries(PROJECTED_TABLES)) {
    const rows = await sql.unsafe(
      `SELECT * FROM "${table}" ORDER BY ${pk.map((k) => `"${k}"`).join(", ")}`,
    ).catch(() => []);
    out[table] = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map((
          [k, v],
        ) => [
          k,
          typeof v === "string" && /^-?\d+$/.test(v) && k !== "joker_id" && k !== "seed"
            ? Number(v)
            : v,
        ]),
      )
    );
  }
  return out;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: testName(
    "--analytics-postgres mirrors the analytics tables into PostgreSQL, incrementally",
    BIN,
  ),
  ignore: anyMissing(BIN),
  async fn() {
    await using pg = await startPostgres(pathOf(BIN));
    await using bus = await startBus(["--live-advice=false", `--analytics-postgres=${pg.url}`]);
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const events = generateGames(24, 4).events;
      const half = Math.floor(events.length / 2);
      for (const [from, to] of [[0, half], [half, events.length]]) {
        for (const body of batches(events.slice(from, to), 1000)) {
          assert.equal((await bus.post("/api/v1/events/batch", body)).status, 200);
        }
        let last = "";
        await until(async () => {
          const [a, b] = [await sqliteTables(bus), await pgTables(sql)];
          last = JSON.stringify(b.games?.length) + "/" + JSON.stringify(a.games.length);
          try {
            assert.deepEqual(b, a);
            return true;
          } catch {
            return false;
          }
        }, `the mirror (${last})`);
      }
      const [{ n }] = await sql`SELECT COUNT(*)::int AS n FROM games`;
      assert.equal(n, 24);
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});
