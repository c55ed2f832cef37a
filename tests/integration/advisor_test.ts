// The Advisor service against the real bus: Connect over HTTP/2 and plain JSON POSTs agree with
// the engine; a posted GAME_STATE leads to advice.best_play and advice.blind_odds events.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import {
  Advisor,
  BestJokerOrderRequestSchema,
  ScoreRequestSchema,
} from "../../src/gen/jimbot/advisor/v1/advisor_pb.ts";
import {
  bestJokerOrder,
  bestPlay,
  blindOdds,
  readGameState,
  readVector,
  score,
} from "../../src/balatro/mod.ts";
import { fixture, startBus } from "./_bus.ts";
import { bearer } from "./_stream_client.ts";
import { vectorRequest } from "../advisor/_vector_request.ts";

const SERVICE = "/jimbot.advisor.v1.Advisor";
const VECTORS: JsonObject[] = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/scoring/vectors.json", import.meta.url)),
);
const BATCH = JSON.parse(new TextDecoder().decode(fixture("game_state_initial.json")));
const PAYLOAD: JsonObject = BATCH.events[0].payload;

function advisorClient(port: number, token: string) {
  return createClient(
    Advisor,
    createConnectTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      httpVersion: "2",
      interceptors: [bearer(token)],
    }),
  );
}

Deno.test("Advisor Score over Connect and plain JSON POST agrees with the engine on vectors", async () => {
  await using bus = await startBus(["--live-advice=false"]);
  const client = advisorClient(bus.port, bus.token);
  // Every fourth vector: simple hands, jokers, bosses, chance effects.
  const picked = VECTORS.filter((_v, i) => i % 4 === 0);
  assert.ok(picked.length >= 10);
  for (const v of picked) {
    const id = String(v.id);
    const want = score(readVector(v).play);
    const viaConnect = await client.score(fromJson(ScoreRequestSchema, vectorRequest(v)));
    const viaPost = await bus.post(`${SERVICE}/Score`, JSON.stringify(vectorRequest(v)));
    assert.equal(viaPost.status, 200, viaPost.text);
    for (const got of [viaConnect, viaPost.json]) {
      assert.equal(got.handType, want.handType, id);
      assert.equal(got.chips, want.chips, id);
      assert.equal(got.mult, want.mult, id);
      assert.equal(got.score, want.score, id);
      assert.equal(got.steps.length, want.steps.length, id);
      if (want.chance) assert.equal(got.chance.mean.score, want.chance.mean.score, id);
    }
    const expected = v.expected as JsonObject;
    if (v.luck === "none") assert.equal(viaConnect.score, expected.score, id);
  }
  // The same service on the native gRPC port.
  const grpc = createClient(
    Advisor,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${bus.grpcPort}`,
      interceptors: [bearer(bus.token)],
    }),
  );
  const v = picked[1];
  const viaGrpc = await grpc.score(fromJson(ScoreRequestSchema, vectorRequest(v)));
  assert.equal(viaGrpc.score, score(readVector(v).play).score);
});

Deno.test("Advisor BestPlay, BestJokerOrder and BlindOdds agree with the engine", async () => {
  await using bus = await startBus(["--live-advice=false"]);
  const client = advisorClient(bus.port, bus.token);
  const state = readGameState(PAYLOAD);

  const best = await client.bestPlay({ situation: { gameState: PAYLOAD }, top: 3 });
  const want = bestPlay(state, { top: 3 });
  assert.deepEqual(best.best?.positions, want.best.cards);
  assert.equal(best.best?.handType, "Flush");
  assert.equal(best.best?.score, want.best.score);
  assert.equal(best.alternatives.length, 3);
  assert.equal(best.steps.at(-1)?.phase, "final");

  const withJokers = VECTORS.find((v) => (v.jokers as JsonObject[]).length >= 3)!;
  const order = await client.bestJokerOrder(
    fromJson(BestJokerOrderRequestSchema, vectorRequest(withJokers)),
  );
  const wantOrder = bestJokerOrder(readVector(withJokers).play);
  assert.deepEqual(order.order, wantOrder.order);
  assert.equal(order.score, wantOrder.score);
  assert.equal(order.gain, wantOrder.gain);

  // A blind the hand cannot win outright, so the estimate is a real one.
  const hard = { ...PAYLOAD, blind: { ...(PAYLOAD.blind as JsonObject), chips: 4000 } };
  const odds = await client.blindOdds({
    situation: { gameState: hard },
    samples: 50,
    seed: "7",
  });
  const wantOdds = blindOdds(readGameState(hard), { samples: 50, seed: 7 });
  assert.equal(odds.probability, wantOdds.probability);
  assert.equal(odds.low, wantOdds.low);
  assert.equal(odds.high, wantOdds.high);
  assert.equal(odds.samples, 50);
  assert.equal(odds.needed, 4000);
  assert.equal(odds.confidence, 0.95);
  assert.ok(odds.policy.startsWith("greedy"));

  // The same over a plain JSON POST, and a bad card as a 400 naming the field.
  const post = await bus.post(
    `${SERVICE}/BlindOdds`,
    JSON.stringify({ situation: { game_state: hard }, samples: 50, seed: "7" }),
  );
  assert.equal(post.status, 200, post.text);
  assert.equal(post.json.probability, wantOdds.probability);
  const bad = await bus.post(
    `${SERVICE}/Score`,
    JSON.stringify({ played: [{ rank: "11", suit: "Hearts" }] }),
  );
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.code, "invalid_argument");
  assert.match(bad.json.message, /played\[0\]\.rank/);
});

Deno.test("A posted GAME_STATE leads to advice.best_play and advice.blind_odds events", async () => {
  await using bus = await startBus(["--live-advice=true"]); // the kit turns it off by default
  const posted = await bus.post("/api/v1/events/batch", fixture("game_state_initial.json"));
  assert.equal(posted.status, 200, posted.text);
  const [stateOffset] = posted.json.offsets;
  let advice: Record<string, unknown>[] = [];
  const deadline = Date.now() + 10_000;
  while (advice.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    advice = await bus.events(`topic=${encodeURIComponent("advice.>")}`);
  }
  assert.equal(advice.length, 2, bus.logs);
  const best = advice.find((e) => e.topic === "advice.best_play")!;
  const odds = advice.find((e) => e.topic === "advice.blind_odds")!;
  assert.ok(best && odds, JSON.stringify(advice));
  assert.equal(best.source, "jimbot-advisor");
  const bp = best.payload as JsonObject;
  const op = odds.payload as JsonObject;
  for (const p of [bp, op]) {
    assert.equal(p.source_offset, stateOffset);
    assert.equal(p.source_event_id, BATCH.events[0].event_id);
    assert.equal(p.game_id, "7NQH2KTB");
  }
  // The best play is made of cards from the hand, at the positions it names.
  const hand = PAYLOAD.hand as JsonObject[];
  const cards = bp.cards as JsonObject[];
  const positions = bp.positions as number[];
  assert.ok(cards.length >= 1 && cards.length <= 5);
  cards.forEach((c, i) => {
    const inHand = hand.find((h) => h.position === positions[i])!;
    assert.equal(c.rank, inHand.rank);
    assert.equal(c.suit, inHand.suit);
  });
  assert.equal(bp.hand_type, "Flush");
  assert.ok((bp.score as number) > 0);
  const probability = op.probability as number;
  assert.ok(probability >= 0 && probability <= 1, `probability ${probability}`);
  assert.ok((op.low as number) <= probability && probability <= (op.high as number));
  assert.ok((op.samples as number) > 0);
  assert.equal(op.needed, 1200);
});

Deno.test("--live-advice=false publishes no advice", async () => {
  // The kit passes false already; true then false shows the last flag wins and switches it off.
  await using bus = await startBus(["--live-advice=true", "--live-advice=false"]);
  const posted = await bus.post("/api/v1/events/batch", fixture("game_state_initial.json"));
  assert.equal(posted.status, 200, posted.text);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await bus.events(`topic=${encodeURIComponent("advice.>")}`)).length, 0);
});
