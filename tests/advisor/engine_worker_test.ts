// The real engine worker: an invalid play is a `malformed` BusError (a 400); an engine bug is a
// plain Error carrying the worker's stack (a 500, logged), never mistaken for bad input.
import assert from "node:assert/strict";
import { EngineWorker } from "../../src/advisor/engine_worker.ts";
import { type GameState, readGameState } from "../../src/balatro/mod.ts";
import { BusError } from "../../src/errors.ts";

const STATE: GameState = readGameState(
  JSON.parse(
    Deno.readTextFileSync(
      new URL("../testdata/balatromcp/game_state_initial.json", import.meta.url),
    ),
  ).events[0].payload,
);

Deno.test("an invalid play is a malformed BusError; an engine bug an Error with the worker's stack", async () => {
  const engine = new EngineWorker();
  try {
    await assert.rejects(
      engine.run({ kind: "best_play", state: { ...STATE, hand: [] }, options: {} }),
      (err) => {
        assert.ok(err instanceof BusError, String(err));
        assert.equal(err.kind, "malformed");
        assert.match(err.message, /the hand is empty/);
        return true;
      },
    );
    // A state without a context makes the engine itself fail: a bug, not the client's fault.
    const broken = { ...STATE, context: undefined } as unknown as GameState;
    await assert.rejects(engine.run({ kind: "best_play", state: broken, options: {} }), (err) => {
      assert.ok(err instanceof Error && !(err instanceof BusError), String(err));
      assert.equal(err.name, "TypeError");
      assert.match(err.message, /^the engine failed: /);
      assert.match(err.stack ?? "", /src\/balatro\//, "the stack comes from the worker");
      return true;
    });
    const ok = await engine.run({ kind: "best_play", state: STATE, options: {} });
    assert.ok(ok.result.best.cards.length > 0, "the worker still serves after a failed job");
  } finally {
    engine.close();
  }
});
