import { BusError } from "../../src/errors.ts";
import assert from "node:assert/strict";
import { bestPlay, readGameState, score } from "../../src/balatro/mod.ts";

const FIXTURE = new URL(
  "../testdata/balatromcp/game_state_initial.json",
  import.meta.url,
);

function payload(): Record<string, unknown> {
  const batch = JSON.parse(Deno.readTextFileSync(FIXTURE));
  return batch.events[0].payload;
}

Deno.test("readGameState() reads the mod's GAME_STATE fixture", () => {
  const p = payload();
  const state = readGameState(p);
  assert.equal(state.jokers.map((j) => j.name).join(), "Joker,Greedy Joker");
  assert.equal(state.hand.length, Array.isArray(p.hand) ? p.hand.length : 0);
  assert.equal(state.context.money, 9);
  assert.equal(state.context.blind.name, (p.blind as { name: string }).name);
  assert.equal(
    state.context.deckRemainingCount,
    (p.deck as { remaining_count: number })
      .remaining_count,
  );
  assert.ok((state.unseen ?? []).length > 0);
  if (state.hand.length > 0) {
    const result = bestPlay(state);
    assert.ok(result.best.score > 0);
  }
});

Deno.test("readGameState() accepts {} for empty lists and strings for numbers", () => {
  const state = readGameState({
    in_game: true,
    money: "12",
    hands_remaining: "3",
    discards_remaining: 2,
    hand: [
      {
        id: 1,
        rank: "King",
        suit: "Hearts",
        enhancement: "none",
        edition: "foil",
        seal: "Red",
        position: "1",
      },
      {
        id: 2,
        rank: "A",
        suit: "Spades",
        enhancement: "none",
        edition: "none",
        seal: "none",
        position: 0,
      },
    ],
    jokers: {},
    consumables: {},
    deck: { remaining_count: "40", cards_remaining: {}, full_deck: {} },
    blind: { name: "The Flint", chips: "1600", mult: 2, boss: true, defeated: false },
    chips: null,
  });
  assert.equal(state.context.money, 12);
  assert.equal(state.context.handsRemaining, 3);
  assert.equal(state.jokers.length, 0);
  assert.equal(state.hand[0].rank, "Ace", 'the fallback rank "A" reads as an Ace');
  assert.equal(state.hand[1].edition, "foil");
  assert.equal(state.context.blind.chips, 1600);
  assert.equal(state.roundScore, 0);
});

Deno.test("readGameState() maps stored joker values and Swashbuckler's sell values", () => {
  const state = readGameState({
    in_game: true,
    hand: [{ rank: "2", suit: "Clubs", enhancement: "none", edition: "none", seal: "none" }],
    jokers: [
      { name: "Green Joker", position: 0, properties: { mult: 6, chips: 0, sell_value: 2 } },
      { name: "Swashbuckler", position: 1, properties: { mult: 0, chips: 0, sell_value: 2 } },
      { name: "Joker", position: 2, properties: { mult: 4, chips: 0, sell_value: 1 } },
      { name: "Yorick", position: 3, properties: { mult: 0, chips: 0, sell_value: 10 } },
    ],
  }, { jokerStates: { 3: { x_mult: 3 } } });
  assert.equal(state.jokers[0].state.mult, 6);
  assert.equal(state.jokers[1].state.mult, 13);
  assert.equal(state.jokers[3].state.x_mult, 3);
  const r = score({
    played: state.hand,
    held: [],
    jokers: state.jokers,
    handLevels: {},
    handStats: {},
    context: state.context,
  });
  // High Card 2♣: 7 chips; mult 1 + 7 (Green grows) + 13 + 4 = 25, ×3.
  assert.equal(r.mult, 75);
});

Deno.test("readGameState() refuses an out-of-game payload", () => {
  assert.throws(
    () => readGameState({ in_game: false, phase: "MENU" }),
    (err) => err instanceof BusError && err.kind === "malformed",
  );
});
