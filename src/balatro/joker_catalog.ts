// The joker catalog: every joker the engine knows, by its in-game English name.
// Pure game logic: no I/O, no clock.

import type { JokerDef } from "./joker_def.ts";
import { FLAT_JOKERS } from "./jokers/flat.ts";
import { COPY_JOKERS, PASSIVE_JOKERS } from "./jokers/passive.ts";
import { PER_CARD_JOKERS } from "./jokers/per_card.ts";
import { RETRIGGER_HELD_JOKERS } from "./jokers/retrigger_held.ts";
import { SCALING_JOKERS } from "./jokers/scaling.ts";
import { XMULT_JOKERS } from "./jokers/xmult.ts";

/** Every joker definition, scoring jokers first. */
export const JOKER_DEFS: readonly JokerDef[] = [
  ...FLAT_JOKERS,
  ...PER_CARD_JOKERS,
  ...RETRIGGER_HELD_JOKERS,
  ...XMULT_JOKERS,
  ...SCALING_JOKERS,
  ...COPY_JOKERS,
  ...PASSIVE_JOKERS,
];

const BY_NAME: ReadonlyMap<string, JokerDef> = new Map(JOKER_DEFS.map((def) => [def.name, def]));

const BY_KEY: ReadonlyMap<string, JokerDef> = new Map(
  JOKER_DEFS.map((def) => [nameKey(def.name), def]),
);

function nameKey(name: string): string {
  return name.toLowerCase().normalize("NFD").replace(/[^a-z0-9]/g, "");
}

/**
 * Finds a joker by name: exact in-game names, case and punctuation ignored
 * ("oops all 6s", "Drivers License").
 */
export function findJoker(name: string): JokerDef | undefined {
  return BY_NAME.get(name) ?? BY_KEY.get(nameKey(name));
}

/** Names of all known jokers. */
export function jokerNames(): string[] {
  return JOKER_DEFS.map((def) => def.name);
}

/** True when the joker changes the hand score (not a rule changer or economy joker). */
export function isScoringJoker(def: JokerDef): boolean {
  return def.before !== undefined || def.repetition !== undefined ||
    def.individual !== undefined || def.held !== undefined ||
    def.heldRepetition !== undefined || def.main !== undefined || def.reaction !== undefined;
}
