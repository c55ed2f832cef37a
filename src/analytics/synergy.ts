/**
 * Joker synergy: for pairs of jokers, the scoring engine's uplift of the pair over the two alone
 * on a fixed sample of hands, beside how often the pair appears in won versus lost logged games.
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  type Card,
  createRng,
  defaultContext,
  findJoker,
  type Joker,
  makeCard,
  RANKS,
  score,
  SUITS,
} from "../balatro/mod.ts";

export const DEFAULT_SYNERGY_HANDS = 200;
export const DEFAULT_SYNERGY_JOKERS = 12;

/** One cell of the synergy matrix (a < b by name). */
export interface SynergyPair {
  readonly a: string;
  readonly b: string;
  /** Mean over sampled hands of (S(ab) − S(a) − S(b) + S(none)) / S(none), S(ab) in the better order. */
  readonly engine_uplift: number;
  readonly hands_sampled: number;
  readonly games_with_pair: number;
  readonly won_with_pair: number;
  /** Win rate of finished games holding both, null without any. */
  readonly win_rate_with_pair: number | null;
  /** That win rate minus the win rate of all finished games (null without any). */
  readonly win_rate_lift: number | null;
  /** engine_uplift + win_rate_lift (the lift counted as 0 when unknown). */
  readonly synergy: number;
}

export interface SynergyOptions {
  /** Jokers to pair; default the most frequent known ones in the logged games. */
  readonly jokers?: readonly string[];
  readonly maxJokers?: number;
  readonly hands?: number;
  readonly seed?: number;
}

/** The synergy matrix of the analytics database's jokers, strongest first. */
export function synergyMatrix(db: DatabaseSync, opts: SynergyOptions = {}): SynergyPair[] {
  const maxJokers = opts.maxJokers ?? DEFAULT_SYNERGY_JOKERS;
  const names = (opts.jokers ?? frequentJokers(db)).filter((n) => findJoker(n) !== undefined)
    .slice(0, maxJokers).sort();
  const hands = sampleHands(opts.hands ?? DEFAULT_SYNERGY_HANDS, opts.seed ?? 1);
  const baseline = hands.map((h) => scoreWith(h, []));
  const alone = new Map(names.map((n) => [n, hands.map((h) => scoreWith(h, [n]))]));
  const games = gameJokers(db);
  const finished = games.filter((g) => g.won !== null);
  const overall = finished.length
    ? finished.filter((g) => g.won === 1).length / finished.length
    : 0;
  const out: SynergyPair[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i], names[j]];
      let sum = 0;
      hands.forEach((h, k) => {
        // Joker order matters (+mult before ×mult); the pair is played in its better order.
        const both = Math.max(scoreWith(h, [a, b]), scoreWith(h, [b, a]));
        const base = baseline[k] || 1;
        sum += (both - alone.get(a)![k] - alone.get(b)![k] + baseline[k]) / base;
      });
      const uplift = hands.length ? sum / hands.length : 0;
      const withPair = finished.filter((g) => g.names.has(a) && g.names.has(b));
      const won = withPair.filter((g) => g.won === 1).length;
      const rate = withPair.length ? won / withPair.length : null;
      const lift = rate === null ? null : rate - overall;
      out.push({
        a,
        b,
        engine_uplift: round(uplift),
        hands_sampled: hands.length,
        games_with_pair: withPair.length,
        won_with_pair: won,
        win_rate_with_pair: rate === null ? null : round(rate),
        win_rate_lift: lift === null ? null : round(lift),
        synergy: round(uplift + (lift ?? 0)),
      });
    }
  }
  return out.sort((x, y) => y.synergy - x.synergy || x.a.localeCompare(y.a));
}

/** Random five-card plays from a standard deck, the same for the same seed. */
export function sampleHands(n: number, seed: number): Card[][] {
  const rng = createRng(seed);
  const deck = SUITS.flatMap((s) => RANKS.map((r) => makeCard(r, s)));
  return Array.from({ length: n }, () => {
    const cards = [...deck];
    for (let i = 0; i < 5; i++) {
      const k = i + Math.floor(rng.next() * (cards.length - i));
      [cards[i], cards[k]] = [cards[k], cards[i]];
    }
    return cards.slice(0, 5);
  });
}

function scoreWith(played: Card[], names: readonly string[]): number {
  const jokers: Joker[] = names.map((name) => ({ name, edition: "none", state: {} }));
  return score(
    { played, held: [], jokers, handLevels: {}, handStats: {}, context: defaultContext() },
    { trace: false },
  ).score;
}

function frequentJokers(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM jokers GROUP BY name ORDER BY COUNT(DISTINCT game_key) DESC, name",
  ).all() as { name: string }[]).map((r) => r.name);
}

function gameJokers(db: DatabaseSync): { won: number | null; names: Set<string> }[] {
  const rows = db.prepare(
    "SELECT g.game_key, g.won, j.name FROM games g LEFT JOIN jokers j USING (game_key)",
  ).all() as { game_key: number; won: number | null; name: string | null }[];
  const byGame = new Map<number, { won: number | null; names: Set<string> }>();
  for (const r of rows) {
    let g = byGame.get(r.game_key);
    if (!g) byGame.set(r.game_key, g = { won: r.won, names: new Set() });
    if (r.name !== null) g.names.add(r.name);
  }
  return [...byGame.values()];
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
