/**
 * Play patterns: frequent sequences of actions within rounds ("discard", "play:Flush"…), mined
 * with PrefixSpan, each with its support and the win rate of the rounds that contain it.
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

export const DEFAULT_MIN_SUPPORT = 0.05;
export const DEFAULT_MAX_PATTERN_LENGTH = 4;
/**
 * Most sequence positions one mining may visit, and most patterns it may find: the work grows
 * as plays^max_length, so parameters alone do not bound it.
 */
export const MAX_PATTERN_WORK = 20_000_000;
export const MAX_PATTERNS = 100_000;

export interface Pattern {
  readonly pattern: string[];
  /** Rounds containing the pattern (as a subsequence). */
  readonly support: number;
  /** support / all rounds. */
  readonly support_ratio: number;
  /** Won share of the finished rounds containing it; null when none finished. */
  readonly win_rate: number | null;
}

export interface PatternOptions {
  /** Least share of rounds a pattern must appear in. */
  readonly minSupport?: number;
  readonly maxLength?: number;
  /** Only patterns at least this long. */
  readonly minLength?: number;
}

interface Sequence {
  readonly items: readonly string[];
  readonly won: number | null;
}

/** Frequent action sequences of the rounds in the analytics database, most supported first. */
export function playPatterns(db: DatabaseSync, opts: PatternOptions = {}): Pattern[] {
  return prefixSpan(roundSequences(db), opts);
}

/** PrefixSpan over `sequences` (pseudo-projection: each projected row is an index and a start). */
export function prefixSpan(sequences: readonly Sequence[], opts: PatternOptions = {}): Pattern[] {
  const total = sequences.length;
  const minCount = Math.max(1, Math.ceil((opts.minSupport ?? DEFAULT_MIN_SUPPORT) * total));
  const maxLength = opts.maxLength ?? DEFAULT_MAX_PATTERN_LENGTH;
  const minLength = opts.minLength ?? 1;
  const out: Pattern[] = [];
  let work = 0;
  const grow = (prefix: string[], projected: [number, number][]) => {
    if (prefix.length >= maxLength) return;
    for (const [s, start] of projected) work += sequences[s].items.length - start;
    if (out.length > MAX_PATTERNS || work > MAX_PATTERN_WORK) {
      throw new Error(
        `pattern mining stopped after ${MAX_PATTERN_WORK} steps or ${MAX_PATTERNS} patterns; ` +
          "raise min_support or lower max_length",
      );
    }
    // First position of each item after the start, per sequence.
    const next = new Map<string, [number, number][]>();
    for (const [s, start] of projected) {
      const items = sequences[s].items;
      const seen = new Set<string>();
      for (let i = start; i < items.length; i++) {
        if (seen.has(items[i])) continue;
        seen.add(items[i]);
        let list = next.get(items[i]);
        if (!list) next.set(items[i], list = []);
        list.push([s, i + 1]);
      }
    }
    for (const [item, list] of next) {
      if (list.length < minCount) continue;
      const pattern = [...prefix, item];
      if (pattern.length >= minLength) {
        const finished = list.filter(([s]) => sequences[s].won !== null);
        const won = finished.filter(([s]) => sequences[s].won === 1).length;
        out.push({
          pattern,
          support: list.length,
          support_ratio: Math.round(list.length / total * 1e4) / 1e4,
          win_rate: finished.length ? Math.round(won / finished.length * 1e4) / 1e4 : null,
        });
      }
      grow(pattern, list);
    }
  };
  grow([], sequences.map((_, i) => [i, 0]));
  return out.sort((a, b) =>
    b.support - a.support || b.pattern.length - a.pattern.length ||
    a.pattern.join().localeCompare(b.pattern.join())
  );
}

function roundSequences(db: DatabaseSync): Sequence[] {
  const rows = db.prepare(
    `SELECT a.game_key, a.round, a.kind, h.hand_type, r.won
     FROM actions a
     LEFT JOIN hands h USING (hand_key)
     LEFT JOIN rounds r ON r.game_key = a.game_key AND r.round = a.round
     ORDER BY a.game_key, a.round, a."offset"`,
  ).all() as {
    game_key: number;
    round: number;
    kind: string;
    hand_type: string | null;
    won: number | null;
  }[];
  const out: Sequence[] = [];
  let key = "";
  let items: string[] = [];
  for (const r of rows) {
    const k = `${r.game_key}/${r.round}`;
    if (k !== key) {
      items = [];
      out.push({ items, won: r.won });
      key = k;
    }
    items.push(r.kind === "play" ? `play:${r.hand_type ?? "unknown"}` : r.kind);
  }
  return out;
}
