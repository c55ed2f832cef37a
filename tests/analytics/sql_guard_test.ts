import assert from "node:assert/strict";
import { refuseReason } from "../../src/analytics/sql_guard.ts";

Deno.test("refuseReason() lets reads through, including keywords inside strings and comments", () => {
  for (
    const sql of [
      "SELECT * FROM games",
      "  with x AS (SELECT 1) SELECT * FROM x;",
      "SELECT replace(seed, 'S', '') FROM games WHERE seed != 'DELETE FROM games'",
      'SELECT "update" FROM (SELECT 1 AS "update") -- DROP TABLE games',
      "EXPLAIN QUERY PLAN SELECT * FROM hands",
      "PRAGMA table_info(games)",
      "VALUES (1), (2)",
    ]
  ) assert.equal(refuseReason(sql), null, sql);
});

Deno.test("refuseReason() refuses writes, ATTACH, writing PRAGMAs and stacked statements", () => {
  for (
    const [sql, why] of [
      ["DELETE FROM games", /not DELETE/],
      ["ATTACH 'x.db' AS x", /not ATTACH/],
      ["SELECT 1; SELECT 2", /one statement/],
      ["WITH x AS (SELECT 1) INSERT INTO games SELECT * FROM x", /INSERT is not allowed/],
      ["PRAGMA user_version = 3", /PRAGMA user_version is not allowed/],
      ["PRAGMA journal_mode", /PRAGMA journal_mode is not allowed/],
      ["BEGIN", /not BEGIN/],
      ["", /empty/],
    ] as const
  ) assert.match(refuseReason(sql) ?? "", why, sql);
});
