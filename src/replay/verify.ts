/**
 * Replay verification: walks a recorded log, rebuilds the state before every hand from the
 * GAME_STATE events (cards in hand, jokers in order, blind, money, hand levels when recorded),
 * works out which cards were played (those that left the hand when `hands_remaining` dropped),
 * re-scores the hand with the engine and compares with the recorded score change. Between
 * states it checks continuity: money against the MONEY_CHANGED deltas, score against
 * SCORE_CHANGED, hands and discards only falling within a round, ante and round only moving on.
 * Pure: envelopes in, a report out.
 * @module
 */
import {
  formatCard,
  type HandType,
  isHandType,
  readGameState,
  score,
  type ScoreResult,
} from "../balatro/mod.ts";

/** One re-scored hand whose recorded score the engine does not reproduce. */
export interface ScoreMismatch {
  readonly offset: number;
  readonly recorded: number;
  readonly rescored: number | { min: number; max: number };
  readonly hand_type: string;
  readonly state: HandState;
}

/** The state a hand was played from, as the verifier rebuilt it. */
export interface HandState {
  readonly ante: number;
  readonly round: number;
  readonly hand_number: number;
  readonly blind: string;
  readonly money: number;
  readonly jokers: readonly string[];
  readonly played: readonly string[];
  readonly held: readonly string[];
  readonly hand_levels: Readonly<Record<string, number>>;
}

export type ContinuityCheck =
  | "money"
  | "score"
  | "hands_remaining"
  | "discards_remaining"
  | "ante_round"
  | "played_cards";

export interface ContinuityIssue {
  readonly offset: number;
  readonly check: ContinuityCheck;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly detail: string;
}

export interface VerifyReport {
  readonly events: number;
  readonly states: number;
  readonly hands: number;
  readonly agreed: number;
  /** agreed / hands; null when no hand was recorded. */
  readonly agreement_rate: number | null;
  readonly mismatches: readonly ScoreMismatch[];
  readonly continuity: readonly ContinuityIssue[];
  /** True when every hand agreed and no continuity check failed. */
  readonly ok: boolean;
}

/** The fields of a stored envelope the verifier reads. */
export interface RecordedEvent {
  readonly offset?: number;
  readonly type?: string;
  readonly payload?: unknown;
}

type Obj = Record<string, unknown>;

interface Seen {
  readonly offset: number;
  readonly payload: Obj;
}

export class ReplayVerifier {
  #events = 0;
  #states = 0;
  #hands = 0;
  #agreed = 0;
  readonly #mismatches: ScoreMismatch[] = [];
  readonly #issues: ContinuityIssue[] = [];
  #prev: Seen | null = null;
  /** Money as the MONEY_CHANGED events since the last state say it is. */
  #money: number | null = null;
  #scoreChange: { offset: number; value: number } | null = null;

  feed(event: RecordedEvent): void {
    this.#events++;
    const offset = event.offset ?? this.#events - 1;
    const type = String(event.type ?? "").toUpperCase();
    const p = asObj(event.payload);
    if (type === "MONEY_CHANGED") this.#moneyChanged(offset, p);
    else if (type === "SCORE_CHANGED") this.#scoreChanged(offset, p);
    else if (type === "GAME_STATE") this.#gameState(offset, p);
  }

  report(): VerifyReport {
    return {
      events: this.#events,
      states: this.#states,
      hands: this.#hands,
      agreed: this.#agreed,
      agreement_rate: this.#hands ? this.#agreed / this.#hands : null,
      mismatches: this.#mismatches,
      continuity: this.#issues,
      ok: this.#mismatches.length === 0 && this.#issues.length === 0,
    };
  }

  #issue(
    offset: number,
    check: ContinuityCheck,
    expected: unknown,
    actual: unknown,
    detail: string,
  ) {
    this.#issues.push({ offset, check, expected, actual, detail });
  }

  #moneyChanged(offset: number, p: Obj): void {
    const before = num(p.old_value);
    const after = num(p.new_value);
    if (before === null || after === null) return;
    if (this.#money !== null && before !== this.#money) {
      this.#issue(offset, "money", this.#money, before, "MONEY_CHANGED starts from another amount");
    }
    const diff = num(p.difference);
    if (diff !== null && diff !== after - before) {
      this.#issue(
        offset,
        "money",
        after - before,
        diff,
        "MONEY_CHANGED difference is not new − old",
      );
    }
    this.#money = after;
  }

  #scoreChanged(offset: number, p: Obj): void {
    const before = num(p.old_chips);
    const after = num(p.new_chips);
    if (before === null || after === null) return;
    const prevChips = this.#prev ? num(this.#prev.payload.chips) : null;
    if (prevChips !== null && before !== prevChips) {
      this.#issue(offset, "score", prevChips, before, "SCORE_CHANGED starts from another score");
    }
    this.#scoreChange = { offset, value: after };
  }

  #gameState(offset: number, p: Obj): void {
    if (p.in_game === false) {
      this.#prev = null;
      this.#money = null;
      this.#scoreChange = null;
      return;
    }
    this.#states++;
    const prev = this.#prev;
    if (prev && prev.payload.game_id === p.game_id) this.#step(prev, { offset, payload: p });
    this.#prev = { offset, payload: p };
    this.#money = num(p.money);
    this.#scoreChange = null;
  }

  /** Checks one state against the one before it; re-scores the hand played between them. */
  #step(prev: Seen, cur: Seen): void {
    const a = prev.payload;
    const b = cur.payload;
    const money = num(b.money);
    if (this.#money !== null && money !== null && money !== this.#money) {
      this.#issue(cur.offset, "money", this.#money, money, "state money differs from the changes");
    }
    if (this.#scoreChange && num(b.chips) !== this.#scoreChange.value) {
      this.#issue(
        cur.offset,
        "score",
        this.#scoreChange.value,
        num(b.chips),
        "state score differs from SCORE_CHANGED",
      );
    }
    const [anteA, roundA, anteB, roundB] = [num(a.ante), num(a.round), num(b.ante), num(b.round)];
    if (anteA === null || roundA === null || anteB === null || roundB === null) return;
    if (anteB < anteA || roundB < roundA || roundB > roundA + 1 || anteB > anteA + 1) {
      this.#issue(
        cur.offset,
        "ante_round",
        `ante ${anteA} round ${roundA} or the next`,
        `ante ${anteB} round ${roundB}`,
        "ante and round only move forward, one at a time",
      );
      return;
    }
    if (anteB !== anteA || roundB !== roundA) return; // a new round resets hands and discards
    for (const field of ["hands_remaining", "discards_remaining"] as const) {
      const [x, y] = [num(a[field]), num(b[field])];
      if (x !== null && y !== null && (y > x || x - y > 1)) {
        this.#issue(cur.offset, field, `${x} or ${x - 1}`, y, `${field} within a round`);
      }
    }
    const [handsA, handsB] = [num(a.hands_remaining), num(b.hands_remaining)];
    if (handsA !== null && handsB === handsA - 1) this.#verifyHand(prev, cur);
  }

  #verifyHand(prev: Seen, cur: Seen): void {
    const before = asList(prev.payload.hand);
    const after = new Set(asList(cur.payload.hand).map(cardId));
    const played = before.filter((c) => !after.has(cardId(c)));
    const held = before.filter((c) => after.has(cardId(c)));
    if (played.length < 1 || played.length > 5) {
      this.#issue(
        cur.offset,
        "played_cards",
        "1 to 5 cards leaving the hand",
        played.length,
        "a hand was used but the played cards cannot be identified",
      );
      return;
    }
    const recorded = (num(cur.payload.chips) ?? 0) - (num(prev.payload.chips) ?? 0);
    const handLevels = readHandLevels(prev.payload.hand_levels);
    const base = readGameState(prev.payload, { handLevels });
    const cards = (list: unknown[]) => readGameState({ ...prev.payload, hand: list }).hand;
    const result = score({
      played: cards(played),
      held: cards(held),
      jokers: base.jokers,
      handLevels,
      handStats: base.handStats,
      context: base.context,
    }, { trace: false });
    this.#hands++;
    if (agrees(result, recorded)) {
      this.#agreed++;
      return;
    }
    this.#mismatches.push({
      offset: cur.offset,
      recorded,
      rescored: result.chance
        ? { min: result.chance.min.score, max: result.chance.max.score }
        : result.score,
      hand_type: result.handLabel,
      state: {
        ante: base.context.ante,
        round: num(prev.payload.round) ?? 0,
        hand_number: num(prev.payload.hand_number) ?? 0,
        blind: base.context.blind.name,
        money: base.context.money,
        jokers: base.jokers.map((j) => j.name),
        played: cards(played).map(formatCard),
        held: cards(held).map(formatCard),
        hand_levels: handLevels,
      },
    });
  }
}

/** Exact for a certain hand; within the engine's min..max when chance effects are involved. */
function agrees(result: ScoreResult, recorded: number): boolean {
  if (!result.chance) return result.score === recorded;
  return recorded >= result.chance.min.score && recorded <= result.chance.max.score;
}

/** Verifies a whole recorded stream. */
export async function verifyReplay(
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
): Promise<VerifyReport> {
  const verifier = new ReplayVerifier();
  for await (const e of events) verifier.feed(e);
  return verifier.report();
}

/** `hand_levels` when a producer records it (`{"Flush": 2}`); the mod's payload has none. */
function readHandLevels(value: unknown): Partial<Record<HandType, number>> {
  const out: Partial<Record<HandType, number>> = {};
  for (const [name, level] of Object.entries(asObj(value))) {
    const n = num(level);
    if (isHandType(name) && n !== null) out[name] = n;
  }
  return out;
}

function cardId(card: unknown): string {
  const o = asObj(card);
  return o.id === undefined ? JSON.stringify(o) : String(o.id);
}

function asObj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Obj : {};
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function num(value: unknown): number | null {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}
