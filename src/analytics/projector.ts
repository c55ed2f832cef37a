/**
 * Turns stored envelopes into rows: games, rounds, hands, jokers, money changes and rollups.
 * Runs inside the caller's transaction and never commits; its working state (the game in
 * progress) is plain JSON the caller stores in the same transaction as the rows.
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  defaultContext,
  makeCard,
  type Rank,
  RANKS,
  score,
  type Suit,
  SUITS,
} from "../balatro/mod.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** A run is won when the boss blind of this ante is beaten. */
const WINNING_ANTE = 8;

/** The game in progress, carried between batches (and across restarts, as JSON). */
interface GameCursor {
  key: number;
  seed: string;
  ante: number;
  round: number;
  ended: boolean;
  handsRemaining: number | null;
  discardsRemaining: number | null;
  money: number | null;
  /** Joker id → name, as last seen. */
  jokers: Record<string, string>;
  /** Card id → short card text ("10H"), hand of the last GAME_STATE. */
  handCards: Record<string, string>;
  /** The last hand played this round, until its score and type are settled. */
  hand: PendingHand | null;
  /** Game-clock ms of the last decision point (round start or the previous action). */
  lastActionClock: number | null;
  /** Joker ids removed since the last money change (sold if money then rises). */
  removedJokers: string[];
  blind: string | null;
  requiredChips: number | null;
  boss: boolean;
}

interface PendingHand {
  key: number;
  before: Record<string, string>;
  scored: boolean;
  typed: boolean;
  /** Round score before this hand. */
  roundScoreBefore: number;
}

/**
 * The projector's whole working state: the game in progress of each session. A session is one
 * game instance (a mod process): its events interleave with other instances' in the log, and
 * each session's run is projected as if it were alone.
 */
export interface ProjectorState {
  sessions: Record<string, GameCursor>;
}

/** The state before any event. */
export function emptyProjectorState(): ProjectorState {
  return { sessions: {} };
}

/** A stored envelope (docs/design.md#the-envelope): the fields the projector reads. */
export interface Envelope {
  offset: number;
  type: string;
  topic: string;
  source?: string;
  extras?: { session_id?: unknown };
  client_timestamp?: unknown;
  received_at: number;
  payload?: unknown;
}

type Row = Record<string, unknown>;

/** Projects envelopes into the open database; one instance per database connection. */
export class Projector {
  #s: Record<string, StatementSync>;
  /** "minute_ms topic" → events, written once per transaction (two upserts per event cost). */
  #eventCounts = new Map<string, number>();
  /** Per game touched in this transaction: highest ante and round seen, latest offset. */
  #touched = new Map<number, { ante: number; round: number; offset: number }>();
  /** The session of the envelope being applied. */
  #session = "";
  state: ProjectorState;

  constructor(db: DatabaseSync, state: ProjectorState) {
    this.state = state;
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      epm: p(`INSERT INTO events_per_minute VALUES (?, ?, ?)
        ON CONFLICT DO UPDATE SET events = events + excluded.events`),
      eph: p(`INSERT INTO events_per_hour VALUES (?, ?, ?)
        ON CONFLICT DO UPDATE SET events = events + excluded.events`),
      hspm: p(`INSERT INTO hand_scores_per_minute VALUES (?, ?, 1, ?, ?, ?)
        ON CONFLICT DO UPDATE SET hands = hands + 1, score_sum = score_sum + excluded.score_sum,
        score_min = MIN(score_min, excluded.score_min), score_max = MAX(score_max, excluded.score_max)`),
      hsph: p(`INSERT INTO hand_scores_per_hour VALUES (?, ?, 1, ?, ?, ?)
        ON CONFLICT DO UPDATE SET hands = hands + 1, score_sum = score_sum + excluded.score_sum,
        score_min = MIN(score_min, excluded.score_min), score_max = MAX(score_max, excluded.score_max)`),
      mpm: p(`INSERT INTO money_per_minute VALUES (?, 1, ?, ?, ?)
        ON CONFLICT DO UPDATE SET changes = changes + 1, earned = earned + excluded.earned,
        spent = spent + excluded.spent, last_money = excluded.last_money`),
      mph: p(`INSERT INTO money_per_hour VALUES (?, 1, ?, ?, ?)
        ON CONFLICT DO UPDATE SET changes = changes + 1, earned = earned + excluded.earned,
        spent = spent + excluded.spent, last_money = excluded.last_money`),
      action: p(`INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?)`),
      money: p(`INSERT INTO money_changes VALUES (?, ?, ?, ?, ?, ?)`),
      newGame: p(`INSERT INTO games (seed, started_at_ms, first_offset, last_offset)
        VALUES (?, ?, ?, ?)`),
      touchGame: p(`UPDATE games SET final_ante = MAX(final_ante, ?), max_round = MAX(max_round, ?),
        last_offset = ? WHERE game_key = ?`),
      endGame: p(`UPDATE games SET won = COALESCE(won, ?), ended_at_ms = COALESCE(ended_at_ms, ?)
        WHERE game_key = ?`),
      heldAtEnd: p(`UPDATE jokers SET held_at_end = (removed_at_ms IS NULL) WHERE game_key = ?`),
      newRound: p(`INSERT INTO rounds (game_key, round, ante, money_start, started_at_ms)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      blind: p(`UPDATE rounds SET blind = ?, boss = ?, required_chips = ?
        WHERE game_key = ? AND round = ?`),
      roundScore: p(`UPDATE rounds SET score = MAX(score, ?) WHERE game_key = ? AND round = ?`),
      roundScoreOf: p(`SELECT score FROM rounds WHERE game_key = ? AND round = ?`),
      roundHand: p(
        `UPDATE rounds SET hands_used = hands_used + 1 WHERE game_key = ? AND round = ?`,
      ),
      roundDiscard: p(`UPDATE rounds SET discards_used = discards_used + 1
        WHERE game_key = ? AND round = ?`),
      roundEnd: p(`UPDATE rounds SET score = ?, money_end = ?, won = ?, ended_at_ms = ?
        WHERE game_key = ? AND round = ?`),
      roundLost: p(`UPDATE rounds SET won = 0, ended_at_ms = COALESCE(ended_at_ms, ?)
        WHERE game_key = ? AND round = ? AND won IS NULL`),
      gameHand: p(`UPDATE games SET hands_played = hands_played + 1 WHERE game_key = ?`),
      gameBest: p(`UPDATE games SET best_hand_score = MAX(COALESCE(best_hand_score, 0), ?)
        WHERE game_key = ?`),
      newHand: p(`INSERT INTO hands ("offset", game_key, ante, round, hand_number, jokers,
        decision_ms, played_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      handScore: p(`UPDATE hands SET score = ? WHERE hand_key = ?`),
      handType: p(`UPDATE hands SET hand_type = ?, cards = ? WHERE hand_key = ?`),
      handRow: p(`SELECT hand_type, score, played_at_ms FROM hands WHERE hand_key = ?`),
      jokerIn: p(`INSERT INTO jokers (game_key, joker_id, name, acquired_ante, acquired_round,
        acquired_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      jokerOut: p(`UPDATE jokers SET removed_ante = ?, removed_round = ?, removed_at_ms = ?,
        sold = 0 WHERE game_key = ? AND joker_id = ?`),
      jokerSold: p(`UPDATE jokers SET sold = 1 WHERE game_key = ? AND joker_id = ?`),
    };
  }

  /** Writes the event counts gathered since the last call; before the caller commits. */
  flushCounts(): void {
    for (const [key, count] of this.#eventCounts) {
      const space = key.indexOf(" ");
      const minute = Number(key.slice(0, space));
      const topic = key.slice(space + 1);
      this.#s.epm.run(minute, topic, count);
      this.#s.eph.run(minute - minute % HOUR_MS, topic, count);
    }
    this.#eventCounts.clear();
    for (const [key, t] of this.#touched) this.#s.touchGame.run(t.ante, t.round, t.offset, key);
    this.#touched.clear();
  }

  /** Records a game's progress for flushCounts(); the highest values win, as row by row. */
  #touch(g: GameCursor, offset: number): void {
    const t = this.#touched.get(g.key);
    this.#touched.set(g.key, {
      ante: Math.max(t?.ante ?? g.ante, g.ante),
      round: Math.max(t?.round ?? g.round, g.round),
      offset: Math.max(t?.offset ?? offset, offset),
    });
  }

  /** The current session's game, or null before its first GAME_STATE. */
  get #game(): GameCursor | null {
    return this.state.sessions[this.#session] ?? null;
  }

  /** Applies one envelope; the caller owns the transaction and calls flushCounts() before commit. */
  apply(env: Envelope): void {
    const at = env.received_at;
    const key = `${at - at % MINUTE_MS} ${env.topic}`;
    this.#eventCounts.set(key, (this.#eventCounts.get(key) ?? 0) + 1);
    this.#session = sessionOf(env);
    const p = obj(env.payload);
    switch (env.type.toUpperCase()) {
      case "GAME_STATE":
        return this.#gameState(env, p);
      case "ROUND_CHANGED":
        return this.#roundChanged(env, num(p.ante), num(p.round));
      case "HAND_PLAYED":
        return this.#handPlayed(env, p);
      case "CARDS_DISCARDED":
        return this.#discarded(env, p);
      case "SCORE_CHANGED":
        return this.#scoreChanged(env, p);
      case "ROUND_COMPLETE":
        return this.#roundComplete(env, p);
      case "PHASE_CHANGED":
        if (p.new_phase === "GAME_OVER") this.#gameOver(env);
        return;
      case "JOKERS_CHANGED":
        return this.#jokers(env, p.jokers);
      case "MONEY_CHANGED":
        return this.#money(env, p);
    }
  }

  #gameState(env: Envelope, p: Row): void {
    if (p.in_game !== true) return;
    const seed = typeof p.game_id === "string" ? p.game_id : "unknown";
    const ante = num(p.ante) ?? 0;
    const round = num(p.round) ?? 0;
    let g = this.#game;
    if (!g || g.seed !== seed || (g.ended && round < g.round)) {
      if (g) this.#endGame(g, env, null);
      g = this.#startGame(env, seed, ante, round);
    }
    if (round !== g.round || ante !== g.ante) this.#roundChanged(env, ante, round);
    if (g.handsRemaining === null) g.handsRemaining = num(p.hands_remaining);
    if (g.discardsRemaining === null) g.discardsRemaining = num(p.discards_remaining);
    g.money = num(p.money) ?? g.money;
    const blind = obj(p.blind);
    if (typeof blind.name === "string") {
      const required = num(blind.chips);
      const boss = blind.boss === true;
      // Written when it changes: the same blind arrives with every state of the round.
      if (blind.name !== g.blind || required !== g.requiredChips || boss !== g.boss) {
        g.blind = blind.name;
        g.requiredChips = required;
        g.boss = boss;
        this.#s.blind.run(blind.name, boss ? 1 : 0, required, g.key, g.round);
      }
    }
    this.#jokers(env, p.jokers);
    const cards: Record<string, string> = {};
    for (const c of list(p.hand)) {
      const card = obj(c);
      const text = cardText(card);
      if (text !== null) cards[String(card.id ?? `pos_${String(card.position)}`)] = text;
    }
    g.handCards = cards;
    if (g.hand && !g.hand.typed && !sameKeys(g.hand.before, cards)) {
      const played = Object.keys(g.hand.before).filter((id) => !(id in cards));
      const texts = played.map((id) => g!.hand!.before[id]);
      this.#s.handType.run(handTypeOf(texts), texts.length ? texts.join(" ") : null, g.hand.key);
      g.hand.typed = true;
      this.#settleHand(g, false);
    }
    if (p.game_state === "GAME_OVER") this.#gameOver(env);
    this.#touch(g, env.offset);
  }

  #startGame(env: Envelope, seed: string, ante: number, round: number): GameCursor {
    const key = Number(
      this.#s.newGame.run(seed, env.received_at, env.offset, env.offset).lastInsertRowid,
    );
    const g: GameCursor = {
      key,
      seed,
      ante,
      round,
      ended: false,
      handsRemaining: null,
      discardsRemaining: null,
      money: null,
      jokers: {},
      handCards: {},
      hand: null,
      lastActionClock: clock(env),
      removedJokers: [],
      blind: null,
      requiredChips: null,
      boss: false,
    };
    this.state.sessions[this.#session] = g;
    if (round > 0) this.#s.newRound.run(key, round, ante, null, env.received_at);
    return g;
  }

  #roundChanged(env: Envelope, ante: number | null, round: number | null): void {
    const g = this.#game;
    if (!g || g.ended) return;
    if (g.hand) this.#settleHand(g, true);
    g.ante = ante ?? g.ante;
    if (round !== null && round !== g.round) {
      g.round = round;
      g.blind = null;
      g.requiredChips = null;
      g.boss = false;
      g.lastActionClock = clock(env);
      g.removedJokers = [];
    }
    if (g.round > 0) this.#s.newRound.run(g.key, g.round, g.ante, g.money, env.received_at);
    this.#touch(g, env.offset);
  }

  #handPlayed(env: Envelope, p: Row): void {
    const g = this.#game;
    const remaining = num(p.hands_remaining);
    if (!g || g.ended || remaining === null) return;
    const before = g.handsRemaining;
    g.handsRemaining = remaining;
    // An increase is the round reset, not a play.
    if (before === null || remaining >= before) return;
    if (g.hand) this.#settleHand(g, true);
    const now = clock(env);
    const decisionMs = now !== null && g.lastActionClock !== null ? now - g.lastActionClock : null;
    g.lastActionClock = now;
    g.removedJokers = [];
    const jokers = JSON.stringify(Object.values(g.jokers));
    const key = Number(
      this.#s.newHand.run(
        env.offset,
        g.key,
        g.ante,
        g.round,
        num(p.hand_number) ?? 0,
        jokers,
        decisionMs,
        env.received_at,
      ).lastInsertRowid,
    );
    const roundScoreBefore = Number(
      (this.#s.roundScoreOf.get(g.key, g.round) as Row | undefined)?.score ?? 0,
    );
    g.hand = { key, before: g.handCards, scored: false, typed: false, roundScoreBefore };
    if (typeof p.hand_type === "string") {
      this.#s.handType.run(p.hand_type, null, key);
      g.hand.typed = true;
    }
    this.#s.action.run(env.offset, g.key, g.round, "play", key, env.received_at);
    this.#s.roundHand.run(g.key, g.round);
    this.#s.gameHand.run(g.key);
  }

  #discarded(env: Envelope, p: Row): void {
    const g = this.#game;
    const remaining = num(p.discards_remaining);
    if (!g || g.ended || remaining === null) return;
    const before = g.discardsRemaining;
    g.discardsRemaining = remaining;
    if (before === null || remaining >= before) return;
    // A discard after a play mixes its cards into the play's; the type stays unknown.
    if (g.hand && !g.hand.typed) {
      g.hand.typed = true;
      this.#settleHand(g, false);
    }
    const now = clock(env);
    g.lastActionClock = now ?? g.lastActionClock;
    this.#s.action.run(env.offset, g.key, g.round, "discard", null, env.received_at);
    this.#s.roundDiscard.run(g.key, g.round);
  }

  #scoreChanged(env: Envelope, p: Row): void {
    const g = this.#game;
    const chips = num(p.new_chips);
    if (!g || g.ended || chips === null) return;
    this.#s.roundScore.run(chips, g.key, g.round);
    if (g.hand && !g.hand.scored && chips > g.hand.roundScoreBefore) {
      const handScore = chips - g.hand.roundScoreBefore;
      this.#s.handScore.run(handScore, g.hand.key);
      this.#s.gameBest.run(handScore, g.key);
      g.hand.scored = true;
      this.#settleHand(g, false);
    }
    this.#touch(g, env.offset);
  }

  #roundComplete(env: Envelope, p: Row): void {
    const g = this.#game;
    if (!g || g.ended) return;
    if (g.hand) this.#settleHand(g, true);
    const round = num(p.round) ?? g.round;
    const ante = num(p.ante) ?? g.ante;
    const scoreReached = num(p.score) ?? 0;
    const won = g.requiredChips === null ? null : scoreReached >= g.requiredChips ? 1 : 0;
    this.#s.newRound.run(g.key, round, ante, g.money, env.received_at);
    this.#s.roundEnd.run(scoreReached, num(p.money), won, env.received_at, g.key, round);
    if (won === 1 && g.boss && ante >= WINNING_ANTE) this.#s.endGame.run(1, env.received_at, g.key);
    if (won === 0) this.#gameOver(env);
  }

  #gameOver(env: Envelope): void {
    const g = this.#game;
    if (!g || g.ended) return;
    if (g.hand) this.#settleHand(g, true);
    this.#s.roundLost.run(env.received_at, g.key, g.round);
    this.#endGame(g, env, 0);
  }

  #endGame(g: GameCursor, env: Envelope, won: number | null): void {
    if (g.hand) this.#settleHand(g, true);
    if (!g.ended) {
      this.#s.endGame.run(won, env.received_at, g.key);
      this.#s.heldAtEnd.run(g.key);
    }
    g.ended = true;
  }

  #jokers(env: Envelope, raw: unknown): void {
    const g = this.#game;
    if (!g || g.ended) return;
    const now: Record<string, string> = {};
    for (const j of list(raw)) {
      const joker = obj(j);
      if (typeof joker.name !== "string") continue;
      now[String(joker.id ?? `${joker.name}_${String(joker.position)}`)] = joker.name;
    }
    for (const [id, name] of Object.entries(now)) {
      if (!(id in g.jokers)) {
        this.#s.jokerIn.run(g.key, id, name, g.ante, g.round, env.received_at);
      }
    }
    for (const id of Object.keys(g.jokers)) {
      if (!(id in now)) {
        this.#s.jokerOut.run(g.ante, g.round, env.received_at, g.key, id);
        g.removedJokers.push(id);
      }
    }
    g.jokers = now;
  }

  #money(env: Envelope, p: Row): void {
    const g = this.#game;
    const diff = num(p.difference);
    const after = num(p.new_value);
    this.#s.money.run(
      env.offset,
      g?.key ?? null,
      env.received_at,
      num(p.old_value),
      after,
      diff,
    );
    const earned = diff !== null && diff > 0 ? diff : 0;
    const spent = diff !== null && diff < 0 ? -diff : 0;
    const at = env.received_at;
    this.#s.mpm.run(at - at % MINUTE_MS, earned, spent, after);
    this.#s.mph.run(at - at % HOUR_MS, earned, spent, after);
    if (!g || g.ended) return;
    g.money = after ?? g.money;
    if (earned > 0) {
      for (const id of g.removedJokers) this.#s.jokerSold.run(g.key, id);
    }
    g.removedJokers = [];
  }

  /** Rolls the pending hand up once its score and type are known (or will not be). */
  #settleHand(g: GameCursor, force: boolean): void {
    const h = g.hand;
    if (!h || (!force && !(h.scored && h.typed))) return;
    g.hand = null;
    const row = this.#s.handRow.get(h.key) as Row | undefined;
    if (!row || row.score === null) return;
    const scoreValue = Number(row.score);
    const type = typeof row.hand_type === "string" ? row.hand_type : "unknown";
    const at = Number(row.played_at_ms);
    const args: SQLInputValue[] = [type, scoreValue, scoreValue, scoreValue];
    this.#s.hspm.run(at - at % MINUTE_MS, ...args);
    this.#s.hsph.run(at - at % HOUR_MS, ...args);
  }
}

const SHORT_RANK: Readonly<Record<string, string>> = { Jack: "J", Queen: "Q", King: "K", Ace: "A" };

/** "10H", "AS": the engine's short card text, or null for an unreadable card. */
function cardText(card: Row): string | null {
  const rank = card.rank === "A" ? "Ace" : card.rank;
  if (!RANKS.includes(rank as Rank) || !SUITS.includes(card.suit as Suit)) return null;
  return (SHORT_RANK[rank as string] ?? rank) + (card.suit as string)[0];
}

const SHORT_TO_RANK: Readonly<Record<string, Rank>> = {
  J: "Jack",
  Q: "Queen",
  K: "King",
  A: "Ace",
};
const SHORT_TO_SUIT: Readonly<Record<string, Suit>> = {
  S: "Spades",
  H: "Hearts",
  C: "Clubs",
  D: "Diamonds",
};

/** The poker hand of 1–5 played cards, by the scoring engine; null when not a play. */
export function handTypeOf(texts: readonly string[]): string | null {
  if (texts.length < 1 || texts.length > 5) return null;
  const played = texts.map((t) => {
    const r = t.slice(0, -1);
    return makeCard(SHORT_TO_RANK[r] ?? r as Rank, SHORT_TO_SUIT[t.slice(-1)]);
  });
  return score({
    played,
    held: [],
    jokers: [],
    handLevels: {},
    handStats: {},
    context: defaultContext(),
  }, { trace: false }).handType;
}

/**
 * The game instance an event comes from: the envelope's `session_id` when the sender gives one
 * (a harness running several instances), else its `source`.
 */
function sessionOf(env: Envelope): string {
  const id = env.extras?.session_id;
  return typeof id === "string" && id !== "" ? `session:${id}` : `source:${env.source ?? ""}`;
}

function clock(env: Envelope): number | null {
  return typeof env.client_timestamp === "number" && Number.isFinite(env.client_timestamp)
    ? env.client_timestamp
    : null;
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

function obj(v: unknown): Row {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Row : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
