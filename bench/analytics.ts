/**
 * Analytics benchmark (not part of the tests):
 *  1. projection rate: generated BalatroMCP games, as stored envelope JSON, parsed and applied to
 *     a file-backed analytics.sqlite in transactions of 2,000 events (target ≥ 50,000 events/s);
 *  2. the win-rate-by-ante query over 1,000,000 hands (synthetic rows), through the read-only
 *     query path (worker, guard) the API uses.
 * Prints one JSON line per figure.
 *
 *   deno task bench:analytics [--games=300] [--hands=1000000]
 * @module
 */
import { parseArgs } from "node:util";
import { AnalyticsStore, runQuery } from "../src/analytics/mod.ts";
import { generateGames } from "../tests/analytics/_game_generator.ts";
import { toEnvelopes } from "../tests/analytics/_envelopes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    games: { type: "string", default: "300" },
    hands: { type: "string", default: "1000000" },
  },
});
const GAMES = Number(args.games);
const HANDS = Number(args.hands);
const BATCH = 2_000;

function report(figure: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(figure) + "\n"));
}

const dir = await Deno.makeTempDir({ prefix: "jimbot-bench-analytics-" });
try {
  const lines = toEnvelopes(generateGames(GAMES, 1).events).map((e) => JSON.stringify(e));
  const store = AnalyticsStore.open(`${dir}/projection.sqlite`);
  const started = performance.now();
  for (let i = 0; i < lines.length; i += BATCH) {
    const batch = lines.slice(i, i + BATCH).map((l) => JSON.parse(l));
    store.apply(batch, i + batch.length);
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  report({
    figure: "analytics projection rate",
    events: lines.length,
    eventsPerS: Math.round(lines.length / seconds),
    target: 50_000,
  });

  const path = `${dir}/query.sqlite`;
  const big = AnalyticsStore.open(path);
  const rounds = Math.ceil(HANDS / 2.5);
  const fill = performance.now();
  big.db.exec(`BEGIN;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${rounds})
    INSERT INTO rounds (game_key, round, ante, score, won, hands_used, started_at_ms)
    SELECT i / 20, i % 20 + 1, (i % 20) / 3 + 1, 1000, (abs(random()) % 10) < 8, 2, 0 FROM n;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${HANDS})
    INSERT INTO hands ("offset", game_key, ante, round, hand_number, hand_type, score, jokers,
      played_at_ms)
    SELECT i, i / 50, (i % 50) / 8 + 1, (i % 50) / 2.5 + 1, i % 3, 'Pair', 100, '[]', 0 FROM n;
    INSERT INTO games (seed, started_at_ms, first_offset, last_offset)
    SELECT DISTINCT 'G' || game_key, 0, 0, 0 FROM rounds;
    COMMIT;`);
  big.close();
  const filled = (performance.now() - fill) / 1000;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const result = await runQuery(path, { sql: "SELECT * FROM win_rate_by_ante" }, {
      maxRows: 1000,
      timeoutMs: 60_000,
    });
    times.push(performance.now() - t);
    if (result.rows.length === 0) throw new Error("no rows");
  }
  times.sort((a, b) => a - b);
  report({
    figure: "win-rate-by-ante query",
    hands: HANDS,
    rounds,
    fillS: Math.round(filled * 10) / 10,
    medianMs: Math.round(times[2]),
    minMs: Math.round(times[0]),
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
