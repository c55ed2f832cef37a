import assert from "node:assert/strict";
import { score } from "../../src/balatro/mod.ts";
import { close, DISPUTED_PATH, loadVectors } from "./_fixtures.ts";

const vectors = loadVectors();

Deno.test("vectors.json holds 41 vectors", () => {
  assert.equal(vectors.length, 41);
});

for (const vector of vectors) {
  Deno.test(`vector ${vector.id}: ${vector.description}`, () => {
    const expected = vector.expected;
    assert.ok(expected !== null, "vector has an expected result");
    const result = score(vector.play);
    assert.equal(result.handType, expected.handType);
    const tol = vector.tolerance;
    if (vector.luck === "none") {
      assert.equal(result.chance, null, "no chance effect expected");
      assert.equal(result.blocked !== null, expected.handBlocked);
      for (const key of ["chips", "mult", "score"] as const) {
        assert.ok(
          close(result[key], expected[key]!, tol),
          `${key}: got ${result[key]}, expected ${expected[key]}`,
        );
      }
    } else {
      assert.ok(result.chance !== null, "chance effects detected");
      for (const bound of ["min", "max", "mean"] as const) {
        const want = expected[bound];
        if (want === undefined) continue;
        const got = result.chance[bound];
        for (const key of ["chips", "mult", "score"] as const) {
          assert.ok(
            close(got[key], want[key], tol || 1e-12),
            `${bound}.${key}: got ${got[key]}, expected ${want[key]}`,
          );
        }
      }
      assert.equal(result.score, result.chance.min.score);
    }
  });
}

Deno.test("disputed vector B-023 scores 518 by the game's rules (informational)", () => {
  const [disputed] = loadVectors(DISPUTED_PATH);
  const result = score(disputed.play);
  assert.equal(result.handType, "Four of a Kind");
  assert.equal(result.score, 518);
});
