/**
 * The analytics database schema (node:sqlite): projected tables, rollups, views, and the
 * projector's bookkeeping. Documented column by column in src/analytics/README.md.
 * @module
 */

/**
 * Bumped when a table or the projector's stored state changes shape; a database with another
 * version is rebuilt from the log. 2: the state holds one game in progress per session.
 */
export const SCHEMA_VERSION = 2;

/** Tables mirrored to PostgreSQL and offered for export, with their key columns. */
export const PROJECTED_TABLES: Readonly<Record<string, readonly string[]>> = {
  games: ["game_key"],
  rounds: ["game_key", "round"],
  hands: ["hand_key"],
  jokers: ["game_key", "joker_id"],
  money_changes: ["offset"],
  actions: ["offset"],
  events_per_minute: ["minute_ms", "topic"],
  events_per_hour: ["hour_ms", "topic"],
  hand_scores_per_minute: ["minute_ms", "hand_type"],
  hand_scores_per_hour: ["hour_ms", "hand_type"],
  money_per_minute: ["minute_ms"],
  money_per_hour: ["hour_ms"],
};

/** Rollup families: the minute table and the hour table share their columns. */
const ROLLUPS = `
CREATE TABLE IF NOT EXISTS events_per_minute (
  minute_ms INTEGER NOT NULL, topic TEXT NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (minute_ms, topic)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events_per_hour (
  hour_ms INTEGER NOT NULL, topic TEXT NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (hour_ms, topic)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hand_scores_per_minute (
  minute_ms INTEGER NOT NULL, hand_type TEXT NOT NULL, hands INTEGER NOT NULL,
  score_sum REAL NOT NULL, score_min REAL, score_max REAL,
  PRIMARY KEY (minute_ms, hand_type)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hand_scores_per_hour (
  hour_ms INTEGER NOT NULL, hand_type TEXT NOT NULL, hands INTEGER NOT NULL,
  score_sum REAL NOT NULL, score_min REAL, score_max REAL,
  PRIMARY KEY (hour_ms, hand_type)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS money_per_minute (
  minute_ms INTEGER PRIMARY KEY, changes INTEGER NOT NULL, earned REAL NOT NULL,
  spent REAL NOT NULL, last_money REAL);
CREATE TABLE IF NOT EXISTS money_per_hour (
  hour_ms INTEGER PRIMARY KEY, changes INTEGER NOT NULL, earned REAL NOT NULL,
  spent REAL NOT NULL, last_money REAL);
`;

/** Every statement that creates the schema; idempotent. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS analytics_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS games (
  game_key INTEGER PRIMARY KEY,
  seed TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER,
  deck TEXT,
  stake INTEGER,
  final_ante INTEGER NOT NULL DEFAULT 0,
  max_round INTEGER NOT NULL DEFAULT 0,
  won INTEGER,
  hands_played INTEGER NOT NULL DEFAULT 0,
  best_hand_score REAL,
  first_offset INTEGER NOT NULL,
  last_offset INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS games_seed ON games (seed);
CREATE TABLE IF NOT EXISTS rounds (
  game_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  ante INTEGER NOT NULL,
  blind TEXT,
  boss INTEGER,
  required_chips REAL,
  score REAL NOT NULL DEFAULT 0,
  won INTEGER,
  hands_used INTEGER NOT NULL DEFAULT 0,
  discards_used INTEGER NOT NULL DEFAULT 0,
  money_start REAL,
  money_end REAL,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER,
  PRIMARY KEY (game_key, round)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hands (
  hand_key INTEGER PRIMARY KEY,
  "offset" INTEGER NOT NULL,
  game_key INTEGER NOT NULL,
  ante INTEGER NOT NULL,
  round INTEGER NOT NULL,
  hand_number INTEGER NOT NULL,
  hand_type TEXT,
  cards TEXT,
  score REAL,
  jokers TEXT NOT NULL,
  decision_ms REAL,
  played_at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS hands_game ON hands (game_key, round);
CREATE INDEX IF NOT EXISTS hands_time ON hands (played_at_ms);
CREATE TABLE IF NOT EXISTS jokers (
  game_key INTEGER NOT NULL,
  joker_id TEXT NOT NULL,
  name TEXT NOT NULL,
  acquired_ante INTEGER NOT NULL,
  acquired_round INTEGER NOT NULL,
  acquired_at_ms INTEGER NOT NULL,
  removed_ante INTEGER,
  removed_round INTEGER,
  removed_at_ms INTEGER,
  sold INTEGER,
  held_at_end INTEGER,
  PRIMARY KEY (game_key, joker_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS money_changes (
  "offset" INTEGER PRIMARY KEY,
  game_key INTEGER,
  at_ms INTEGER NOT NULL,
  old_value REAL,
  new_value REAL,
  difference REAL);
CREATE INDEX IF NOT EXISTS money_changes_time ON money_changes (at_ms);
CREATE TABLE IF NOT EXISTS actions (
  "offset" INTEGER PRIMARY KEY,
  game_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  kind TEXT NOT NULL,
  hand_key INTEGER,
  at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS actions_round ON actions (game_key, round);
CREATE INDEX IF NOT EXISTS actions_time ON actions (at_ms);
${ROLLUPS}
CREATE VIEW IF NOT EXISTS win_rate_by_ante AS
  SELECT ante, COUNT(*) AS rounds, SUM(won = 1) AS won,
         ROUND(1.0 * SUM(won = 1) / COUNT(*), 4) AS win_rate
  FROM rounds WHERE won IS NOT NULL GROUP BY ante ORDER BY ante;
CREATE VIEW IF NOT EXISTS win_rate_by_ante_last_1000_games AS
  SELECT r.ante, COUNT(*) AS rounds, SUM(r.won = 1) AS won,
         ROUND(1.0 * SUM(r.won = 1) / COUNT(*), 4) AS win_rate
  FROM rounds r
  JOIN (SELECT game_key FROM games ORDER BY game_key DESC LIMIT 1000) g USING (game_key)
  WHERE r.won IS NOT NULL GROUP BY r.ante ORDER BY r.ante;
CREATE VIEW IF NOT EXISTS jokers_in_ante8_runs AS
  SELECT j.name, COUNT(DISTINCT j.game_key) AS games
  FROM jokers j JOIN games g USING (game_key)
  WHERE g.final_ante >= 8 GROUP BY j.name ORDER BY games DESC, j.name;
CREATE VIEW IF NOT EXISTS hand_type_scores AS
  SELECT COALESCE(hand_type, 'unknown') AS hand_type, COUNT(*) AS hands,
         AVG(score) AS avg_score, MAX(score) AS max_score
  FROM hands WHERE score IS NOT NULL GROUP BY 1 ORDER BY avg_score DESC;
CREATE VIEW IF NOT EXISTS decision_times AS
  SELECT ante, COUNT(decision_ms) AS decisions, AVG(decision_ms) AS avg_ms,
         MIN(decision_ms) AS min_ms, MAX(decision_ms) AS max_ms
  FROM hands WHERE decision_ms IS NOT NULL GROUP BY ante ORDER BY ante;
`;
