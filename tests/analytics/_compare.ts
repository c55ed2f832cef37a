/**
 * Test kit: the same questions asked of two analytics databases, without the columns that
 * depend on when the bus received the events (keys by seed, not by game_key).
 * @module
 */

/** SQL whose answers must be equal for equal event streams. */
export const COMPARABLE: Readonly<Record<string, string>> = {
  games: `SELECT seed, final_ante, max_round, won, hands_played, best_hand_score, deck, stake
    FROM games WHERE seed LIKE 'S0%' ORDER BY seed`,
  rounds: `SELECT g.seed, r.round, r.ante, r.blind, r.boss, r.required_chips, r.score, r.won,
    r.hands_used, r.discards_used, r.money_start, r.money_end
    FROM rounds r JOIN games g USING (game_key) WHERE g.seed LIKE 'S0%' ORDER BY g.seed, r.round`,
  hands: `SELECT g.seed, h.round, h.hand_number, h.hand_type, h.cards, h.score, h.jokers,
    h.decision_ms FROM hands h JOIN games g USING (game_key) WHERE g.seed LIKE 'S0%'
    ORDER BY g.seed, h."offset"`,
  jokers: `SELECT g.seed, j.joker_id, j.name, j.acquired_ante, j.acquired_round, j.removed_ante,
    j.removed_round, j.sold, j.held_at_end FROM jokers j JOIN games g USING (game_key)
    WHERE g.seed LIKE 'S0%' ORDER BY g.seed, j.joker_id`,
  hand_types: `SELECT hand_type, hands, avg_score FROM hand_type_scores ORDER BY hand_type`,
  win_rate_by_ante: `SELECT r.ante, COUNT(*) AS rounds, SUM(r.won) AS won FROM rounds r
    JOIN games g USING (game_key) WHERE g.seed LIKE 'S0%' AND r.won IS NOT NULL
    GROUP BY r.ante ORDER BY r.ante`,
};
