// Test fixtures: the scoring vectors in tests/testdata/scoring/.

import { readVectors, type Vector } from "../../src/balatro/mod.ts";

/** Path of the shared scoring vectors. */
export const VECTORS_PATH = new URL(
  "../testdata/scoring/vectors.json",
  import.meta.url,
);

/** Path of the disputed vectors (informational). */
export const DISPUTED_PATH = new URL(
  "../testdata/scoring/disputed.json",
  import.meta.url,
);

/** Loads and reads a vectors file. */
export function loadVectors(path: URL = VECTORS_PATH): Vector[] {
  return readVectors(JSON.parse(Deno.readTextFileSync(path)));
}

/** abs(actual − expected) ≤ relative × abs(expected); exact when `relative` is 0. */
export function close(actual: number, expected: number, relative: number): boolean {
  if (relative === 0) return actual === expected;
  return Math.abs(actual - expected) <= relative * Math.abs(expected);
}
