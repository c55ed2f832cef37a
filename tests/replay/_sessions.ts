/**
 * Recorded sessions for the replay verifier, built from the repository's fixtures:
 * - the mod's own bodies of one game launch (tests/testdata/balatromcp), in story order, with the
 *   one event the fixtures leave out (the round's cash-out, $12 → $22) so money is continuous;
 * - a corrupted copy of it (score and money tampered with) that must be flagged;
 * - one two-state session per scoring vector (tests/testdata/scoring) that the mod's GAME_STATE
 *   can express: the state before the hand, then the state after it with the vector's score.
 * @module
 */

const BALATROMCP = new URL("../testdata/balatromcp/", import.meta.url);
const VECTORS = new URL("../testdata/scoring/vectors.json", import.meta.url);

type Obj = Record<string, unknown>;

/** A request to replay into a bus: the path and the body bytes. */
export interface SessionBody {
  readonly path: "/api/v1/events" | "/api/v1/events/batch";
  readonly body: string;
}

const STORY = [
  "game_state_initial.json",
  "heartbeat_batch.json",
  "scoring_sequence.json",
  "state_diff_batch.json",
  "round_complete.json",
  "CASH_OUT",
  "jokers_changed_empty.json",
  "menu_state.json",
];

const CASH_OUT = {
  source: "BalatroMCP",
  events: [{
    type: "MONEY_CHANGED",
    event_id: "session-cash-out-ante2-round5",
    source: "BalatroMCP",
    version: 1,
    timestamp: 20000.5,
    payload: { old_value: 12, new_value: 22, difference: 10 },
  }],
};

/** The mod's fixture story, byte for byte (plus the cash-out batch). */
export function cleanModSession(): SessionBody[] {
  return [
    { path: "/api/v1/events", body: fixture("connection_test.json") },
    ...STORY.map((name) => ({
      path: "/api/v1/events/batch" as const,
      body: name === "CASH_OUT" ? JSON.stringify(CASH_OUT) : fixture(name),
    })),
  ];
}

/**
 * The same story with two deliberate faults: the flush's recorded score is 2291 instead of the
 * 2921 the game gave (consistently in SCORE_CHANGED and the state), and the shop state says $30
 * where the money changes add up to $24.
 */
export function corruptedModSession(): SessionBody[] {
  return cleanModSession().map(({ path, body }) => {
    const batch = JSON.parse(body) as { events?: Obj[] };
    if (!batch.events) return { path, body };
    for (const e of batch.events) {
      const p = e.payload as Obj;
      if (e.type === "SCORE_CHANGED" && p.new_chips === 2921) p.new_chips = 2291;
      if (e.type === "GAME_STATE" && p.chips === 2921) p.chips = 2291;
      if (e.type === "GAME_STATE" && p.game_state === "SHOP") p.money = 30;
    }
    return { path, body: JSON.stringify(batch) };
  });
}

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, BALATROMCP));
}

interface Vector {
  id: string;
  played: Obj[];
  held: Obj[];
  jokers: Obj[];
  hand_levels: Obj;
  hand_stats: Obj;
  context: Obj;
  luck: string;
  expected: { score: number };
}

/**
 * Vectors whose situation fits in a GAME_STATE payload: no hand levels or hand counters, no
 * joker state, vanilla deck and stake, no vouchers, consumables or enhanced-deck counts, no
 * pre-set debuffs and no luck script (the mod records none of these).
 */
export function expressibleVectors(): Vector[] {
  const all = JSON.parse(Deno.readTextFileSync(VECTORS)) as Vector[];
  return all.filter((v) => {
    const c = v.context;
    return Object.keys(v.hand_levels).length === 0 && Object.keys(v.hand_stats).length === 0 &&
      v.jokers.every((j) => !j.state || Object.keys(j.state as Obj).length === 0) &&
      c.deck === "Red Deck" && c.stake === "White" && (c.vouchers as unknown[]).length === 0 &&
      (c.consumables as unknown[]).length === 0 &&
      Object.keys(c.full_deck_counts as Obj).length === 0 && v.luck === "none" &&
      [...v.played, ...v.held].every((card) => card.debuffed !== true);
  });
}

/** Stored-envelope-shaped events: the state before the vector's hand and the state after. */
export function vectorSession(v: Vector, firstOffset: number): Obj[] {
  const c = v.context;
  const cards = [...v.played, ...v.held].map((card, i) => ({ ...card, id: i + 0.5, position: i }));
  const state = (hand: Obj[], chips: number, handsRemaining: number) => ({
    in_game: true,
    game_id: v.id,
    ante: c.ante,
    round: 1,
    money: c.money,
    chips,
    hand_number: 0,
    hands_remaining: handsRemaining,
    discards_remaining: c.discards_remaining,
    hand_size: c.hand_size,
    blind: c.blind,
    deck: { remaining_count: c.deck_remaining_count },
    jokers: v.jokers.map((j, i) => ({
      name: j.name,
      position: i,
      properties: { edition: j.edition ?? "none" },
    })),
    hand,
  });
  const hands = c.hands_remaining as number;
  return [
    { offset: firstOffset, type: "GAME_STATE", payload: state(cards, 0, hands) },
    {
      offset: firstOffset + 1,
      type: "GAME_STATE",
      payload: state(cards.slice(v.played.length), v.expected.score, hands - 1),
    },
  ];
}
