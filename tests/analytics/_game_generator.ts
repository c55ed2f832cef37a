/**
 * Test kit: a deterministic generator of BalatroMCP event streams (docs/mod-protocol.md#events) for
 * whole runs: rounds won and lost, hands played and discards, shop purchases and sales, the change
 * events and GAME_STATEs the mod sends, plus the rows a correct projection must produce.
 * Planted facts: won rounds play "discard, Flush, Flush"; lost rounds play four Pairs; won games
 * hold Joker + Cavendish, lost games Greedy Joker + Lusty Joker.
 * @module
 */

/** One event as the mod puts it in a batch. */
export interface ModEvent {
  type: string;
  source: "BalatroMCP";
  timestamp: number;
  event_id: string;
  version: 1;
  payload: Record<string, unknown>;
}

export interface ExpectedGame {
  seed: string;
  won: 0 | 1;
  finalAnte: number;
  rounds: number;
  roundsWon: number;
  hands: number;
  discards: number;
  jokers: string[];
}

export interface Generated {
  events: ModEvent[];
  games: ExpectedGame[];
  /** Hands per hand type, and the sum of their scores. */
  handTypes: Record<string, { hands: number; scoreSum: number }>;
}

export const WIN_PATTERN = ["discard", "play:Flush", "play:Flush"];
export const LOSS_PATTERN = ["play:Pair", "play:Pair", "play:Pair", "play:Pair"];
export const WIN_JOKERS = ["Joker", "Cavendish"];
export const LOSS_JOKERS = ["Greedy Joker", "Lusty Joker"];

const BASE = [300, 800, 2000, 5000, 11000, 20000, 35000, 50000];
const BLINDS = [["Small Blind", 1], ["Big Blind", 1.5], ["The Wall", 2]] as const;
const RANKS = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "Jack", "Queen", "King", "Ace"];
const SUITS = ["Spades", "Hearts", "Clubs", "Diamonds"];
const FLUSH = ["2", "5", "7", "9", "King"].map((rank) => ({ rank, suit: "Hearts" }));
const PAIR = [{ rank: "8", suit: "Spades" }, { rank: "8", suit: "Clubs" }];

/** `games` runs from `seed`; every third game is won, the others end at a varying ante. */
export function generateGames(games: number, seed = 1): Generated {
  const rng = mulberry32(seed);
  const out: Generated = { events: [], games: [], handTypes: {} };
  let clock = 1000;
  let idCounter = 0;
  const eventId = () => `00000000-0000-4000-8000-${(++idCounter).toString(16).padStart(12, "0")}`;
  const emit = (type: string, payload: Record<string, unknown>) => {
    clock += 200 + Math.floor(rng() * 2800);
    out.events.push({
      type,
      source: "BalatroMCP",
      timestamp: clock,
      event_id: eventId(),
      version: 1,
      payload,
    });
  };
  let cardId = 0;
  const card = (c: { rank: string; suit: string }) => ({
    id: ++cardId / 1e6,
    rank: c.rank,
    suit: c.suit,
    enhancement: "none",
    edition: "none",
    seal: "none",
  });
  const filler = () =>
    card({ rank: RANKS[Math.floor(rng() * 13)], suit: SUITS[Math.floor(rng() * 4)] });

  for (let g = 0; g < games; g++) {
    const seedText = `S${String(seed).padStart(3, "0")}G${String(g).padStart(4, "0")}`;
    const win = g % 3 === 0;
    const lastAnte = win ? 8 : 1 + (g % 7);
    const jokerNames = win ? WIN_JOKERS : LOSS_JOKERS;
    const expected: ExpectedGame = {
      seed: seedText,
      won: win ? 1 : 0,
      finalAnte: lastAnte,
      rounds: 0,
      roundsWon: 0,
      hands: 0,
      discards: 0,
      jokers: [],
    };
    let money = 4;
    let round = 0;
    let ante = 1;
    let jokers: {
      id: number;
      name: string;
      position: number;
      properties: Record<string, unknown>;
    }[] = [];
    let hand: ReturnType<typeof card>[] = [];
    let roundScore = 0;
    let hands = 4;
    let discards = 3;
    let phase = "BLIND_SELECT";
    let blind: Record<string, unknown> | undefined;
    const state = () =>
      emit("GAME_STATE", {
        in_game: true,
        game_id: seedText,
        ante,
        round,
        hand_number: 4 - hands,
        chips: roundScore,
        mult: 0,
        money,
        hand_size: 8,
        hands_remaining: hands,
        discards_remaining: discards,
        score_history: {},
        jokers: jokers.length ? jokers : {},
        hand: hand.map((c, position) => ({ ...c, position })),
        deck: { remaining_count: 44, cards_remaining: {}, full_deck: {} },
        consumables: {},
        shop_items: {},
        game_state: phase,
        ui_state: "1",
        ...(blind ? { blind } : {}),
        timestamp: 1764489600 + Math.floor(clock / 1000),
        frame_count: 0,
      });
    const setMoney = (value: number) => {
      emit("MONEY_CHANGED", { old_value: money, new_value: value, difference: value - money });
      money = value;
    };
    state();
    for (let a = 1; a <= lastAnte; a++) {
      for (let b = 0; b < 3; b++) {
        const lose = !win && a === lastAnte && b === Math.min(2, g % 3);
        const finalWin = win && a === 8 && b === 2;
        round++;
        ante = a;
        expected.rounds++;
        emit("ROUND_CHANGED", { ante, round });
        const required = BASE[a - 1] * BLINDS[b][1];
        blind = {
          name: BLINDS[b][0],
          chips: required,
          chip_text: String(required),
          mult: BLINDS[b][1],
          defeated: false,
          boss: b === 2,
        };
        if (hands !== 4) emit("HAND_PLAYED", { hands_remaining: 4, hand_number: 0 });
        if (discards !== 3) emit("CARDS_DISCARDED", { discards_remaining: 3 });
        if (roundScore !== 0) {
          emit("SCORE_CHANGED", { old_chips: roundScore, new_chips: 0, old_mult: 0, new_mult: 0 });
        }
        hands = 4;
        discards = 3;
        roundScore = 0;
        phase = "UNKNOWN_STATE_1";
        emit("PHASE_CHANGED", { old_phase: "BLIND_SELECT", new_phase: phase });
        const plan = lose ? LOSS_PATTERN : WIN_PATTERN;
        for (const step of plan) {
          if (step === "discard") {
            hand = [filler(), filler(), filler(), ...Array.from({ length: 5 }, filler)];
            state();
            discards--;
            expected.discards++;
            emit("CARDS_DISCARDED", { discards_remaining: discards });
            hand = [...Array.from({ length: 3 }, filler), ...hand.slice(3)];
            state();
            continue;
          }
          const type = step.slice(5);
          const played = (type === "Flush" ? FLUSH : PAIR).map(card);
          hand = [...played, ...Array.from({ length: 8 - played.length }, filler)];
          state();
          hands--;
          expected.hands++;
          emit("HAND_PLAYED", { hands_remaining: hands, hand_number: 4 - hands });
          const handScore = lose
            ? Math.floor(required / 8) + Math.floor(rng() * 10)
            : Math.ceil(required / 2) + Math.floor(rng() * 100);
          emit("SCORE_CHANGED", {
            old_chips: roundScore,
            new_chips: roundScore + handScore,
            old_mult: 0,
            new_mult: 0,
          });
          roundScore += handScore;
          const t = (out.handTypes[type] ??= { hands: 0, scoreSum: 0 });
          t.hands++;
          t.scoreSum += handScore;
          hand = [...Array.from({ length: played.length }, filler), ...hand.slice(played.length)];
          state();
        }
        emit("ROUND_COMPLETE", { ante, round, score: roundScore, money });
        if (lose) {
          emit("PHASE_CHANGED", { old_phase: phase, new_phase: "GAME_OVER" });
          phase = "GAME_OVER";
          state();
          break;
        }
        expected.roundsWon++;
        if (finalWin) break;
        setMoney(money + 3 + b);
        emit("PHASE_CHANGED", { old_phase: phase, new_phase: "SHOP" });
        phase = "SHOP";
        blind = undefined;
        // Shop: buy the game's jokers in the first two rounds; sell and rebuy a filler joker.
        if (round <= 2) {
          const name = jokerNames[round - 1];
          setMoney(money - 5);
          const old = jokers.length;
          jokers = [...jokers, {
            id: ++cardId / 1e6,
            name,
            position: jokers.length,
            properties: { mult: 0, chips: 0, cost: 5, sell_value: 2, edition: "none" },
          }];
          expected.jokers.push(name);
          emit("JOKERS_CHANGED", { old_count: old, new_count: jokers.length, jokers });
          state();
        }
        if (round === 4) {
          const old = jokers.length;
          const extra = {
            id: ++cardId / 1e6,
            name: "Egg",
            position: old,
            properties: { mult: 0, chips: 0, cost: 4, sell_value: 2, edition: "none" },
          };
          setMoney(money - 4);
          jokers = [...jokers, extra];
          expected.jokers.push("Egg");
          emit("JOKERS_CHANGED", { old_count: old, new_count: jokers.length, jokers });
          jokers = jokers.filter((j) => j !== extra);
          emit("JOKERS_CHANGED", {
            old_count: old + 1,
            new_count: old,
            jokers: jokers.length ? jokers : {},
          });
          setMoney(money + 2);
        }
        phase = "BLIND_SELECT";
        emit("PHASE_CHANGED", { old_phase: "SHOP", new_phase: phase });
      }
      if (expected.rounds !== expected.roundsWon) break;
    }
    out.games.push(expected);
  }
  return out;
}

/** The generated events as mod batches of `size` events. */
export function batches(events: readonly ModEvent[], size = 200): string[] {
  const out: string[] = [];
  for (let i = 0; i < events.length; i += size) {
    out.push(JSON.stringify({ events: events.slice(i, i + size), source: "BalatroMCP" }));
  }
  return out;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
