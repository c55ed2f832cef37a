/**
 * Live advice: follows the log from its head for `game.state.update`; for each state with cards
 * in hand computes the best play and the blind odds (in the engine worker, within a time budget)
 * and publishes them through ingest as ADVICE events (`advice.best_play`, `advice.blind_odds`).
 * Only the newest waiting state is advised: states that arrive while one is being computed
 * replace each other, so the advisor never falls behind.
 * @module
 */
import { Wakeup } from "../wakeup.ts";
import type { EventLog, StoredEvent } from "../log/mod.ts";
import type { Ingest } from "../ingest/mod.ts";
import type { Logger } from "../logger.ts";
import { type Card, type GameState, readGameState } from "../balatro/mod.ts";
import type { BestPlayOutcome, EngineResults, OddsOutcome } from "./engine_jobs.ts";
import type { EngineWorker } from "./engine_worker.ts";
import { MAX_HAND_CARDS } from "./convert.ts";

export const STATE_TOPIC = "game.state.update";
/** One of ingest's OWN_SOURCES: clients cannot post under it. */
export const ADVICE_SOURCE = "jimbot-advisor";
/** The route name ingest records for advice events. */
export const ADVICE_ROUTE = "advisor";
/** Simulated rounds per state, and the longest the simulation may take. */
export const DEFAULT_LIVE_SAMPLES = 400;
export const DEFAULT_LIVE_BUDGET_MS = 300;
/** Events read from the log per step when catching up after a gap. */
const SCAN_BATCH = 1_000;

export interface LiveAdviceDeps {
  readonly log: Pick<EventLog, "bounds" | "onHead" | "read">;
  /** Where advice is published (an Ingest; tests pass a stand-in). */
  readonly ingest: Pick<Ingest, "acceptOwnBatch">;
  /** Runs the advise job (an EngineWorker; tests pass a stand-in). */
  readonly engine: Pick<EngineWorker, "run">;
  readonly logger: Logger;
  readonly samples?: number;
  readonly budgetMs?: number;
}

/** Counts for tests and diagnostics. */
export interface LiveAdviceStats {
  /** States advised (both events published). */
  advised: number;
  /** States replaced by a newer one before they were advised. */
  superseded: number;
  /** States without cards in hand (or out of game). */
  skipped: number;
  failed: number;
  /** States whose engine input equalled the previous one's: its advice was reused. */
  reused: number;
}

type Advice = EngineResults["advise"];

export class LiveAdvice {
  readonly #deps: LiveAdviceDeps;
  readonly #stop: () => void;
  readonly #loop: Promise<void>;
  readonly stats: LiveAdviceStats = {
    advised: 0,
    superseded: 0,
    skipped: 0,
    failed: 0,
    reused: 0,
  };
  /** Next offset accounted for: every state before it was seen (or replaced). */
  #known: number;
  /** A log scan is needed up to this head (in-memory events had a gap). */
  #scanTo = 0;
  #latest: StoredEvent | null = null;
  /** Notified when a state arrives, a scan is due, or on close. */
  readonly #wakeup = new Wakeup();
  #closed = false;
  /** The last advice and its engine input (the mod resends states whose hand did not change). */
  #last: { key: string; advice: Advice } | null = null;

  private constructor(deps: LiveAdviceDeps) {
    this.#deps = deps;
    this.#known = deps.log.bounds().head;
    this.#stop = deps.log.onHead((head, events) => this.#onHead(head, events));
    this.#loop = this.#run();
  }

  /** Starts following the log from its current head. */
  static start(deps: LiveAdviceDeps): LiveAdvice {
    return new LiveAdvice(deps);
  }

  /** Stops following; waits for the state being advised to be published or dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stop();
    this.#wakeup.notify();
    await this.#loop;
  }

  // Runs inside the log's commit path: only bookkeeping here.
  #onHead(head: number, events: readonly StoredEvent[]): void {
    for (const e of events) {
      if (e.offset < this.#known || e.offset >= head) continue;
      if (e.offset !== this.#known) break; // a gap: read the rest from the log
      if (e.topic === STATE_TOPIC) this.#offer(e);
      this.#known = e.offset + 1;
    }
    if (this.#known < head) this.#scanTo = Math.max(this.#scanTo, head);
    this.#wakeup.notify();
  }

  #offer(e: StoredEvent): void {
    if (this.#latest !== null) this.stats.superseded++;
    this.#latest = e;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#scanTo > this.#known) await this.#scan();
      const next = this.#latest;
      if (next === null) {
        await this.#wakeup.wait();
        continue;
      }
      this.#latest = null;
      await this.#advise(next);
    }
  }

  /** Reads states in [known, scanTo) from the log (the in-memory events had a gap). */
  async #scan(): Promise<void> {
    const to = this.#scanTo;
    let from = this.#known;
    const topics = (t: string) => t === STATE_TOPIC;
    try {
      while (from < to && !this.#closed) {
        let read = 0;
        for await (const e of this.#deps.log.read(from, { limit: SCAN_BATCH, topics })) {
          read++;
          from = e.offset + 1;
          if (e.offset >= to) break;
          this.#offer(e);
        }
        if (read < SCAN_BATCH) break;
      }
      this.#known = Math.max(this.#known, to);
    } catch (error) {
      this.#deps.logger.warn("live advice could not read the log", { error });
      this.#known = Math.max(this.#known, to);
    }
  }

  async #advise(event: StoredEvent): Promise<void> {
    let envelope: { event_id?: unknown; payload?: unknown };
    let state: GameState;
    try {
      envelope = JSON.parse(event.json);
      state = readGameState(envelope.payload);
    } catch {
      this.stats.skipped++; // out of game, or not a game state at all
      return;
    }
    if (state.hand.length === 0 || state.hand.length > MAX_HAND_CARDS) {
      this.stats.skipped++;
      return;
    }
    const source = {
      source_offset: event.offset,
      source_event_id: typeof envelope.event_id === "string" ? envelope.event_id : null,
      ...gameFields(envelope.payload),
    };
    try {
      const key = JSON.stringify(state);
      let advice: Advice;
      if (this.#last?.key === key) {
        advice = this.#last.advice;
        this.stats.reused++;
      } else {
        advice = await this.#deps.engine.run({
          kind: "advise",
          state,
          play: { top: 2 },
          odds: {
            samples: this.#deps.samples ?? DEFAULT_LIVE_SAMPLES,
            seed: event.offset,
            budgetMs: this.#deps.budgetMs ?? DEFAULT_LIVE_BUDGET_MS,
          },
        });
        this.#last = { key, advice };
      }
      const { bestPlay, odds } = advice;
      await this.#deps.ingest.acceptOwnBatch({
        source: ADVICE_SOURCE,
        events: [
          adviceEvent("BEST_PLAY", event.offset, {
            ...source,
            ...bestPlayPayload(bestPlay, state),
          }),
          adviceEvent("BLIND_ODDS", event.offset, { ...source, ...oddsPayload(odds, state) }),
        ],
      }, ADVICE_ROUTE);
      this.stats.advised++;
    } catch (error) {
      if (this.#closed) return;
      this.stats.failed++;
      this.#deps.logger.warn("live advice failed", { offset: event.offset, error });
    }
  }
}

function adviceEvent(subtype: string, sourceOffset: number, payload: Record<string, unknown>) {
  return {
    // Deterministic: advising the same stored state twice stores the advice once.
    event_id: `advice:${sourceOffset}:${subtype.toLowerCase()}`,
    type: "ADVICE",
    subtype,
    source: ADVICE_SOURCE,
    version: 1,
    timestamp: Date.now(),
    payload,
  };
}

/** Identifying fields of the state, copied when present. */
function gameFields(payload: unknown): Record<string, unknown> {
  const p = typeof payload === "object" && payload !== null
    ? payload as Record<string, unknown>
    : {};
  const out: Record<string, unknown> = {};
  for (const key of ["game_id", "ante", "round", "hand_number"]) {
    if (p[key] !== undefined) out[key] = p[key];
  }
  return out;
}

/** A card in the mod's shape. */
function modCard(c: Card) {
  return {
    rank: c.rank,
    suit: c.suit,
    enhancement: c.enhancement,
    edition: c.edition,
    seal: c.seal,
  };
}

function choiceJson(choice: BestPlayOutcome["result"]["best"], state: GameState) {
  return {
    positions: choice.cards,
    cards: choice.played.map(modCard),
    hand_type: choice.handType,
    score: choice.score,
    chips: choice.chips,
    mult: choice.mult,
    min_score: choice.minScore,
    joker_order: choice.jokerOrder,
    joker_names: choice.jokerOrder.map((i) => state.jokers[i].name),
  };
}

function bestPlayPayload(outcome: BestPlayOutcome, state: GameState): Record<string, unknown> {
  const { result } = outcome;
  return {
    ...choiceJson(result.best, state),
    alternatives: result.alternatives.map((c) => choiceJson(c, state)),
    steps: outcome.steps,
    evaluated: result.evaluated,
    elapsed_ms: Math.round(outcome.elapsedMs * 10) / 10,
  };
}

function oddsPayload(odds: OddsOutcome, state: GameState): Record<string, unknown> {
  return {
    blind: state.context.blind.name,
    blind_chips: state.context.blind.chips,
    round_score: state.roundScore,
    needed: odds.needed,
    probability: odds.probability,
    low: odds.low,
    high: odds.high,
    confidence: 0.95,
    samples: odds.samples,
    wins: odds.wins,
    seed: odds.seed,
    budget_reached: odds.budgetReached,
    policy: odds.policy,
    hands_remaining: state.context.handsRemaining,
    discards_remaining: state.context.discardsRemaining,
    elapsed_ms: Math.round(odds.elapsedMs * 10) / 10,
  };
}
