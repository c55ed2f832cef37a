// The search syntax subset: parsing, LIKE semantics, and no stall on hostile patterns.
import assert from "node:assert/strict";
import { like, parseFilter, parseOrderBy } from "../../src/mlflow/search.ts";

Deno.test("LIKE and ILIKE follow SQL: % any run, _ one character", () => {
  const cases: [string, string, boolean, boolean][] = [
    ["jimbot-policy", "jimbot%", false, true],
    ["jimbot-policy", "%policy", false, true],
    ["jimbot-policy", "%bot-p%", false, true],
    ["jimbot-policy", "j_mbot%", false, true],
    ["jimbot-policy", "JIMBOT%", false, false],
    ["jimbot-policy", "JIMBOT%", true, true],
    ["abc", "abc", false, true],
    ["abc", "ab", false, false],
    ["abc", "a%b%c", false, true],
    ["ab", "a%b%b", false, false],
    ["aXbXc", "%b%", false, true],
    ["", "%", false, true],
    ["a", "a%a", false, false],
  ];
  for (const [text, pattern, caseless, expected] of cases) {
    assert.equal(like(text, pattern, caseless), expected, `${text} LIKE ${pattern}`);
  }
});

Deno.test("a hostile LIKE pattern is answered at once", () => {
  const started = performance.now();
  assert.equal(like("a".repeat(8000), "%a".repeat(200) + "%b", false), false);
  assert.ok(performance.now() - started < 1000, "no backtracking blow-up");
});

Deno.test("filters and order_by parse MLflow's forms", () => {
  const f = parseFilter(
    `metrics.loss < 0.5 AND params."learning rate" = '0.1' and tags.\`a b\` != "x" ` +
      `and status IN ('FINISHED', 'KILLED') and attribute.run_name ILIKE '%ppo%'`,
  );
  assert.deepEqual(f.map((c) => [c.ident.type, c.ident.key, c.op, c.value]), [
    ["metric", "loss", "<", 0.5],
    ["param", "learning rate", "=", "0.1"],
    ["tag", "a b", "!=", "x"],
    ["attribute", "status", "IN", ["FINISHED", "KILLED"]],
    ["attribute", "run_name", "ILIKE", "%ppo%"],
  ]);
  assert.deepEqual(
    parseOrderBy(["metrics.loss DESC", "start_time"]).map((o) => [o.ident.key, o.ascending]),
    [["loss", false], ["start_time", true]],
  );
  for (
    const bad of ["metrics.loss < 'x'", "params.lr > 1", "x = 1 or y = 2", "a =", "bogus.k = 1"]
  ) {
    assert.throws(() => parseFilter(bad), /Invalid filter/, bad);
  }
});
