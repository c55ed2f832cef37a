// Turns engine inputs into the prepared form the pipeline runs on: the play-wide part
// (rules, levels, counters, boss) and the per-joker-order part (copy targets, hook lists).
// Pure game logic: no I/O, no clock.

import type { Card } from "./cards.ts";
import { type HandRules, prepareCard, type PreparedCard } from "./card_rules.ts";
import { bossActive, bossDebuffs, mostPlayedHand } from "./blinds.ts";
import { HAND_INDEX, HAND_TABLES, HAND_TYPES, type HandStat, type HandType } from "./hands.ts";
import { findJoker } from "./joker_catalog.ts";
import type { JokerDef } from "./joker_def.ts";
import { RULE_CHANGERS } from "./jokers/passive.ts";
import type { RunJoker } from "./scoring_run.ts";
import type { Joker, RunContext } from "./state.ts";

/** The play-wide prepared inputs (independent of which cards are played and of joker order). */
export interface PreparedPlay {
  readonly context: RunContext;
  readonly rules: HandRules;
  /** `probabilities.normal`. */
  readonly normal: number;
  /** Name of the active boss, or "" when no boss effect applies. */
  readonly boss: string;
  /** Level of each hand type (HAND_TYPES order). */
  readonly levels: readonly number[];
  readonly playedCounts: readonly number[];
  readonly playedThisRound: readonly number[];
  readonly handsPlayedBefore: number;
  readonly mostPlayed: number;
  /** Planets held per hand type when Observatory is owned (×1.5 each). */
  readonly observatory: readonly number[];
}

/** Jokers prepared for one order. */
export interface PreparedJokers {
  readonly jokers: readonly RunJoker[];
  readonly defs: readonly JokerDef[];
  readonly debuffed: readonly boolean[];
  /** Slot whose hooks each slot applies (itself, a copy target, or −1 for nothing). */
  readonly targets: readonly number[];
  readonly initial: readonly number[];
  readonly beforeSlots: readonly number[];
  readonly repetitionSlots: readonly number[];
  readonly individualSlots: readonly number[];
  readonly heldSlots: readonly number[];
  readonly heldRepetitionSlots: readonly number[];
  readonly reactionSlots: readonly number[];
  /** Some joker changes cards during scoring (Vampire, Midas Mask, Hiker): cards are copied per run. */
  readonly mutatesCards: boolean;
  /** Money earned during scoring matters (Bull, Bootstraps, Lucky Cat). */
  readonly moneyMatters: boolean;
  readonly luckyCat: boolean;
  /** Joker names the catalog does not know (treated as having no effect). */
  readonly unknown: readonly string[];
}

function owns(jokers: readonly Joker[], name: string): boolean {
  return jokers.some((j) => !j.debuffed && findJoker(j.name)?.name === name);
}

/** Which rule-changing jokers are active among `jokers`. */
export function rulesOf(jokers: readonly Joker[]): HandRules {
  return {
    fourFingers: owns(jokers, RULE_CHANGERS.fourFingers),
    shortcut: owns(jokers, RULE_CHANGERS.shortcut),
    smeared: owns(jokers, RULE_CHANGERS.smeared),
    splash: owns(jokers, RULE_CHANGERS.splash),
    pareidolia: owns(jokers, RULE_CHANGERS.pareidolia),
  };
}

/** Prepares the play-wide inputs. */
export function preparePlay(input: {
  jokers: readonly Joker[];
  handLevels: Readonly<Partial<Record<HandType, number>>>;
  handStats: Readonly<Partial<Record<HandType, Partial<HandStat>>>>;
  context: RunContext;
}): PreparedPlay {
  const { context } = input;
  const oops =
    input.jokers.filter((j) => !j.debuffed && findJoker(j.name)?.name === RULE_CHANGERS.oops)
      .length;
  const chicot = owns(input.jokers, RULE_CHANGERS.chicot);
  const levels = HAND_TYPES.map((h) => input.handLevels[h] ?? 1);
  const playedCounts = HAND_TYPES.map((h) => input.handStats[h]?.played ?? 0);
  const playedThisRound = HAND_TYPES.map((h) => input.handStats[h]?.playedThisRound ?? 0);
  const observatory = HAND_TYPES.map(() => 0);
  if (context.vouchers.includes("Observatory")) {
    for (const c of context.consumables) {
      const h = HAND_TABLES.findIndex((t) => t.planet === c.name);
      if (h >= 0) observatory[h]++;
    }
  }
  return {
    context,
    rules: rulesOf(input.jokers),
    normal: context.probabilitiesNormal ?? Math.pow(2, oops),
    boss: bossActive(context.blind, chicot) ? context.blind.name : "",
    levels,
    playedCounts,
    playedThisRound,
    handsPlayedBefore: context.handsPlayedThisRound ??
      playedThisRound.reduce((a, b) => a + b, 0),
    mostPlayed: mostPlayedHand(playedCounts),
    observatory,
  };
}

/** Prepares cards: positions and the final debuff flag (the card's own or the boss's). */
export function prepareCards(cards: readonly Card[], play: PreparedPlay): PreparedCard[] {
  return cards.map((card, pos) => {
    const plain = prepareCard(card, pos, card.debuffed);
    if (card.debuffed || play.boss === "") return plain;
    return bossDebuffs(play.boss, plain, play.rules) ? prepareCard(card, pos, true) : plain;
  });
}

const PLACEHOLDER_RARITY = "Common";

function isCopier(def: JokerDef): boolean {
  return def.name === "Blueprint" || def.name === "Brainstorm";
}

/** Prepares jokers in the given order: definitions, copy targets and hook lists. */
export function prepareJokers(jokers: readonly Joker[]): PreparedJokers {
  const unknown: string[] = [];
  const defs = jokers.map((joker): JokerDef => {
    const def = findJoker(joker.name);
    if (def !== undefined) return def;
    unknown.push(joker.name);
    return {
      name: joker.name,
      rarity: joker.rarity ?? PLACEHOLDER_RARITY,
      copyable: false,
      kind: "none",
      text: "unknown joker: no effect",
    };
  });
  const n = jokers.length;
  const debuffed = jokers.map((j) => j.debuffed === true);
  const targets = defs.map((_def, i) => resolveTarget(i, defs, debuffed));
  const slotsWith = (hook: keyof JokerDef): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = targets[i];
      if (t >= 0 && defs[t][hook] !== undefined) out.push(i);
    }
    return out;
  };
  const names = new Set(defs.map((d) => d.name));
  return {
    jokers: jokers.map((joker, i) => ({ joker, rarity: joker.rarity ?? defs[i].rarity })),
    defs,
    debuffed,
    targets,
    initial: jokers.map((joker, i) => defs[i].initial?.(joker) ?? 0),
    beforeSlots: slotsWith("before"),
    repetitionSlots: slotsWith("repetition"),
    individualSlots: slotsWith("individual"),
    heldSlots: slotsWith("held"),
    heldRepetitionSlots: slotsWith("heldRepetition"),
    reactionSlots: slotsWith("reaction"),
    mutatesCards: names.has("Vampire") || names.has("Midas Mask") || names.has("Hiker"),
    moneyMatters: names.has("Bull") || names.has("Bootstraps") || names.has("Lucky Cat"),
    luckyCat: names.has("Lucky Cat"),
    unknown,
  };
}

/**
 * The slot whose effect slot `i` applies: itself, or for Blueprint (joker to its right) and
 * Brainstorm (leftmost joker) the end of the copy chain; −1 when there is nothing to copy,
 * the target cannot be copied or is debuffed, or the chain loops.
 */
function resolveTarget(i: number, defs: readonly JokerDef[], debuffed: readonly boolean[]): number {
  if (debuffed[i]) return -1;
  const n = defs.length;
  let cur = i;
  let steps = 0;
  while (isCopier(defs[cur])) {
    const next = defs[cur].name === "Blueprint" ? cur + 1 : 0;
    if (next >= n || next === cur || debuffed[next] || !defs[next].copyable) return -1;
    cur = next;
    if (++steps > n + 1) return -1;
  }
  return cur;
}

/** Hand type index by name. */
export function handIndex(hand: HandType): number {
  return HAND_INDEX[hand];
}
