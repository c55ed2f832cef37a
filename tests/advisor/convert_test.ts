import assert from "node:assert/strict";
import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import {
  BestJokerOrderRequestSchema,
  BlindOddsRequestSchema,
  ScoreRequestSchema,
} from "../../src/gen/jimbot/advisor/v1/advisor_pb.ts";
import {
  deckWithout,
  readPlay,
  readSeed,
  readSituation,
  scoreResponse,
} from "../../src/advisor/convert.ts";
import { BusError } from "../../src/errors.ts";
import { readGameState, readVectors, score } from "../../src/balatro/mod.ts";
import { vectorRequest } from "./_vector_request.ts";

const VECTORS: JsonObject[] = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/scoring/vectors.json", import.meta.url)),
);
const GAME_STATE: JsonObject = JSON.parse(
  Deno.readTextFileSync(
    new URL("../testdata/balatromcp/game_state_initial.json", import.meta.url),
  ),
).events[0].payload;

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BusError, `a BusError, got ${err}`);
    assert.equal(err.kind, "malformed");
    assert.match(err.message, pattern);
    return true;
  });
}

Deno.test("readPlay() of every vector as a ScoreRequest scores exactly like the vector", () => {
  const expected = readVectors(VECTORS);
  VECTORS.forEach((v, i) => {
    const req = fromJson(ScoreRequestSchema, vectorRequest(v));
    const got = scoreResponse(score(readPlay(req)));
    const want = score(expected[i].play);
    assert.equal(got.handType, want.handType, String(v.id));
    assert.equal(got.chips, want.chips, String(v.id));
    assert.equal(got.mult, want.mult, String(v.id));
    assert.equal(got.score, want.score, String(v.id));
    assert.equal(got.steps?.length, want.steps.length, String(v.id));
    assert.equal(got.blocked, want.blocked ?? "", String(v.id));
  });
});

Deno.test("readPlay() with a game state plays hand positions and holds the rest", () => {
  const req = fromJson(ScoreRequestSchema, {
    situation: { game_state: GAME_STATE },
    play_positions: [0, 1, 2, 4, 6],
  });
  const play = readPlay(req);
  const state = readGameState(GAME_STATE);
  assert.deepEqual(play.played, [0, 1, 2, 4, 6].map((i) => state.hand[i]));
  assert.deepEqual(play.held, [3, 5, 7].map((i) => state.hand[i]));
  assert.deepEqual(play.jokers.map((j) => j.name), ["Joker", "Greedy Joker"]);
  assert.equal(play.context.blind.chips, 1200);
  const result = score(play);
  assert.equal(result.handType, "Flush");
  assert.equal(result.score, 2921);
});

Deno.test("readPlay() with a game state and played cards holds the hand minus those cards", () => {
  const req = fromJson(ScoreRequestSchema, {
    situation: { game_state: GAME_STATE, jokers: [{ name: "Joker" }] },
    played: [{ rank: "7", suit: "Diamonds", seal: "Gold" }, { rank: "7", suit: "Clubs" }],
  });
  const play = readPlay(req);
  assert.equal(play.held.length, 6);
  assert.ok(!play.held.some((c) => c.rank === "7"));
  assert.deepEqual(
    play.jokers.map((j) => j.name),
    ["Joker"],
    "explicit jokers replace the state's",
  );
  assert.equal(score(play).handType, "Pair");
});

Deno.test("readPlay() refuses unusable input with a sentence naming the field", () => {
  rejects(
    () => readPlay(fromJson(ScoreRequestSchema, { played: [{ rank: "1", suit: "Hearts" }] })),
    /played\[0\]\.rank/,
  );
  rejects(
    () => readPlay(fromJson(ScoreRequestSchema, { played: [{ rank: "Ace", suit: "Stars" }] })),
    /suit/,
  );
  rejects(() => readPlay(fromJson(ScoreRequestSchema, {})), /1 to 5/);
  rejects(
    () =>
      readPlay(fromJson(ScoreRequestSchema, {
        situation: { game_state: GAME_STATE },
        play_positions: [0, 8],
      })),
    /play_positions: 8 is not a position in a hand of 8 cards/,
  );
  rejects(
    () =>
      readPlay(fromJson(ScoreRequestSchema, {
        situation: { hand_levels: { "Royal Flush": 2 } },
        played: [{ rank: "Ace", suit: "Hearts" }],
      })),
    /unknown hand "Royal Flush"/,
  );
  rejects(
    () =>
      readPlay(fromJson(ScoreRequestSchema, {
        situation: { game_state: { in_game: false } },
        play_positions: [0],
      })),
    /game_state.*out of game/,
  );
  rejects(
    () =>
      readPlay(fromJson(BestJokerOrderRequestSchema, {
        situation: { context: { hands_remaining: "many" } },
        played: [{ rank: "Ace", suit: "Hearts" }],
      })),
    /context\.hands_remaining must be a number/,
  );
});

Deno.test("readSituation() lays explicit parts over the game state", () => {
  const req = fromJson(BlindOddsRequestSchema, {
    situation: {
      game_state: GAME_STATE,
      hand_levels: { Flush: 3 },
      hand_stats: { Flush: { played: 2, played_this_round: 1 } },
    },
    hand: [{ rank: "Ace", suit: "Spades" }],
  });
  const state = readSituation(req.situation, req.hand);
  assert.equal(state.hand.length, 1);
  assert.equal(state.handLevels.Flush, 3);
  assert.deepEqual(state.handStats.Flush, { played: 2, playedThisRound: 1 });
  assert.equal(state.context.ante, 2);
  assert.equal(state.jokers.length, 2);
});

Deno.test("readSituation() without a game state starts from the default context", () => {
  const state = readSituation(undefined);
  assert.equal(state.hand.length, 0);
  assert.equal(state.context.handsRemaining, 4);
  assert.equal(state.roundScore, 0);
});

Deno.test("readSeed() keeps integer seeds numeric and other seeds as text", () => {
  assert.equal(readSeed(""), 1);
  assert.equal(readSeed("42"), 42);
  assert.equal(readSeed("-7"), -7);
  assert.equal(readSeed("run-7"), "run-7");
});

Deno.test("deckWithout() removes one copy of each given card from 52", () => {
  const state = readGameState(GAME_STATE);
  const deck = deckWithout(state.hand);
  assert.equal(deck.length, 44);
  assert.ok(!deck.some((c) => c.rank === "Ace" && c.suit === "Diamonds"));
});
