// `replay --verify` on recorded sessions built from the fixtures: the mod's own story (100 %
// agreement), a deliberately corrupted copy (flagged, exit code 1), and one session per scoring
// vector the mod's GAME_STATE can express (each re-scored to the vector's expected score).
import assert from "node:assert/strict";
import { RunningBus } from "../integration/_bus.ts";
import { verifyReplay, type VerifyReport } from "../../src/replay/verify.ts";
import {
  cleanModSession,
  corruptedModSession,
  expressibleVectors,
  type SessionBody,
  vectorSession,
} from "./_sessions.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Records a session into a fresh bus, then runs `replay --verify` against it. */
async function recordAndVerify(
  session: SessionBody[],
): Promise<{ code: number; report: VerifyReport }> {
  const bus = await RunningBus.start();
  try {
    for (const { path, body } of session) {
      const res = await bus.post(path, body);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res)}`);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "replay", "--url", bus.url, "--verify", "--quiet"],
      env: { JIMBOT_TOKEN: bus.token },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.ok(stdout.trim().startsWith("{"), new TextDecoder().decode(out.stderr));
    return { code: out.code, report: JSON.parse(stdout) };
  } finally {
    await bus.stop();
  }
}

Deno.test("replay --verify: the mod's recorded game agrees 100 % and is continuous", async () => {
  const { code, report } = await recordAndVerify(cleanModSession());
  assert.equal(report.hands, 1, "the Diamond flush");
  assert.equal(report.agreed, 1);
  assert.equal(report.agreement_rate, 1);
  assert.deepEqual(report.mismatches, []);
  assert.deepEqual(report.continuity, []);
  assert.ok(report.states >= 4);
  assert.equal(code, 0);
});

Deno.test("replay --verify: a corrupted recording is flagged with both values and the state", async () => {
  const { code, report } = await recordAndVerify(corruptedModSession());
  assert.equal(code, 1);
  assert.equal(report.ok, false);
  assert.equal(report.hands, 1);
  assert.equal(report.agreement_rate, 0);
  assert.equal(report.mismatches.length, 1);
  const [m] = report.mismatches;
  assert.equal(m.recorded, 2291);
  assert.equal(m.rescored, 2921);
  assert.equal(m.hand_type, "Flush");
  assert.deepEqual(m.state.jokers, ["Joker", "Greedy Joker"]);
  assert.deepEqual(m.state.played.length, 5);
  assert.deepEqual(m.state.held.length, 3);
  assert.equal(m.state.blind, "Big Blind");
  const money = report.continuity.filter((c) => c.check === "money");
  assert.equal(money.length, 1);
  assert.equal(money[0].expected, 24);
  assert.equal(money[0].actual, 30);
});

Deno.test("the verifier re-scores every expressible scoring vector to its expected score", async () => {
  const vectors = expressibleVectors();
  assert.ok(vectors.length >= 15, `only ${vectors.length} vectors fit a GAME_STATE`);
  const report = await verifyReplay(vectors.flatMap((v, i) => vectorSession(v, 2 * i)));
  assert.equal(report.hands, vectors.length);
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.agreement_rate, 1);

  // The same sessions with each recorded score one chip off: every hand is flagged.
  const off = vectors.flatMap((v, i) =>
    vectorSession({ ...v, expected: { score: v.expected.score + 1 } }, 2 * i)
  );
  const flagged = await verifyReplay(off);
  assert.equal(flagged.mismatches.length, vectors.length);
  assert.equal(flagged.agreement_rate, 0);
});

Deno.test("the verifier flags broken continuity: hands rising, rounds skipped, lost cards", async () => {
  const [v] = expressibleVectors();
  const [before] = vectorSession(v, 0);
  const at = (payload: Record<string, unknown>, offset: number) => ({
    offset,
    type: "GAME_STATE",
    payload: { ...(before.payload as object), ...payload },
  });
  const report = await verifyReplay([
    before,
    at({ hands_remaining: 9 }, 1), // hands rise within a round
    at({ hands_remaining: 9, round: 3 }, 2), // round 1 → 3
    at({ hands_remaining: 8, round: 3 }, 3), // a hand used, yet no card left the hand
  ]);
  assert.deepEqual(report.continuity.map((c) => c.check), [
    "hands_remaining",
    "ante_round",
    "played_cards",
  ]);
});
