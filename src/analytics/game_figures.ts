/**
 * The game figures the bus exports as Prometheus gauges (games, rounds by ante, hands by type,
 * the current game): one read-only query over the projection, run in a query worker so a scrape
 * never stalls the main thread.
 * @module
 */
import type { Analytics } from "./analytics.ts";

/** One figure: `figure` names the gauge, `label`/`label2` its label values. */
export interface GameFigure {
  readonly figure: "games" | "rounds" | "hands" | "hand_score_sum" | "current";
  readonly label: string;
  readonly label2: string;
  readonly value: number;
}

// Hands come from the hourly rollup, which also covers raw rows already pruned.
const FIGURES_SQL = `
SELECT 'games' AS figure,
       CASE won WHEN 1 THEN 'won' WHEN 0 THEN 'lost' ELSE 'playing' END AS label,
       '' AS label2, COUNT(*) AS value
  FROM games GROUP BY 2
UNION ALL
SELECT 'rounds', CAST(ante AS TEXT), CASE won WHEN 1 THEN 'won' ELSE 'lost' END, COUNT(*)
  FROM rounds WHERE won IS NOT NULL GROUP BY 2, 3
UNION ALL
SELECT 'hands', hand_type, '', SUM(hands) FROM hand_scores_per_hour GROUP BY 2
UNION ALL
SELECT 'hand_score_sum', hand_type, '', SUM(score_sum) FROM hand_scores_per_hour GROUP BY 2
UNION ALL
SELECT 'current', field, '', value FROM (
  SELECT 'ante' AS field, ante AS value, 1 AS k FROM last_round
  UNION ALL SELECT 'round', round, 2 FROM last_round
  UNION ALL SELECT 'score', score, 3 FROM last_round
  UNION ALL SELECT 'blind_chips', required_chips, 4 FROM last_round
  UNION ALL SELECT 'money', (SELECT new_value FROM money_changes
                             ORDER BY "offset" DESC LIMIT 1), 5
) WHERE value IS NOT NULL`;

const LAST_ROUND = `WITH last_round AS (
  SELECT * FROM rounds WHERE game_key = (SELECT MAX(game_key) FROM games)
  ORDER BY round DESC LIMIT 1)`;

/** Reads every figure; rows with a null value are left out. */
export async function readGameFigures(analytics: Analytics): Promise<GameFigure[]> {
  const result = await analytics.query({ sql: `${LAST_ROUND}${FIGURES_SQL}` }, {
    maxRows: 10_000,
  });
  return result.rows.map(([figure, label, label2, value]) => ({
    figure: figure as GameFigure["figure"],
    label: String(label ?? "unknown"),
    label2: String(label2 ?? ""),
    value: Number(value),
  }));
}
