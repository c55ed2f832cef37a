/**
 * Test kit: a scoring test vector (tests/testdata/scoring) as an Advisor `ScoreRequest` in
 * protobuf JSON, which is also what a plain JSON POST sends.
 * @module
 */
import type { JsonObject } from "@bufbuild/protobuf";

export function vectorRequest(v: JsonObject): JsonObject {
  return {
    situation: {
      jokers: v.jokers,
      hand_levels: v.hand_levels,
      hand_stats: v.hand_stats,
      context: v.context,
    },
    played: v.played,
    held: v.held,
  };
}
