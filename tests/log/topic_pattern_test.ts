import assert from "node:assert/strict";
import { compileTopicPattern, compileTopicPatterns } from "../../src/log/topic_pattern.ts";

const TABLE: [string, string, boolean][] = [
  ["game.state.update", "game.state.update", true],
  ["game.*.update", "game.state.update", true],
  ["game.*.*", "game.state.update", true],
  ["*.*.*", "game.state.update", true],
  ["game.state", "game.state.update", false],
  ["system.*.*", "game.state.update", false],
  ["game.>", "game.state.update", true],
  ["game.>", "game.scoring.hand_eval_start", true],
  ["game.>", "game", false],
  [">", "custom.x", true],
  ["*", "custom.x", false],
  ["game.*", "game.state.update", false],
  ["custom.*", "custom.test_event", true],
];

Deno.test("compileTopicPattern() follows the protocol doc's examples", () => {
  for (const [pattern, topic, expected] of TABLE) {
    assert.equal(compileTopicPattern(pattern)(topic), expected, `${pattern} vs ${topic}`);
  }
});

Deno.test("compileTopicPattern() rejects partial wildcards, > not last and empty segments", () => {
  for (const bad of ["game.sta*", "game.>.x", "game..x", "", "a>"]) {
    assert.throws(() => compileTopicPattern(bad), TypeError, bad);
  }
});

Deno.test("compileTopicPatterns() matches any of a comma-separated list", () => {
  const m = compileTopicPatterns("system.heartbeat, game.money.*");
  assert.ok(m("system.heartbeat"));
  assert.ok(m("game.money.changed"));
  assert.ok(!m("game.state.update"));
});
