// The scoring pipeline in the game's exact order (docs/game-rules.md#scoring-order): identify, boss
// check, "before" jokers, base, The Flint, scored cards, held cards, jokers, consumables, Plasma,
// floor.
// Pure game logic: no I/O, no clock.

import { formatCard } from "./cards.ts";
import { cardChips, cloneCard, isFace, type PreparedCard } from "./card_rules.ts";
import { blockedBy, flintHalve } from "./blinds.ts";
import type { Step } from "./breakdown.ts";
import { detectHand } from "./detect.ts";
import { handChips, handMult } from "./hands.ts";
import type { Luck } from "./luck.ts";
import type { PreparedJokers, PreparedPlay } from "./prepare.ts";
import { ScoringRun } from "./scoring_run.ts";

/** What one run of the pipeline produced. */
export interface RunOutcome {
  /** Hand type index (HAND_TYPES). */
  readonly hand: number;
  readonly contains: number;
  /** Scoring cards (played positions, left to right). */
  readonly scoring: readonly number[];
  readonly chips: number;
  readonly mult: number;
  /** floor(chips × mult). */
  readonly score: number;
  /** Why a boss forbade the hand, or null. */
  readonly blocked: string | null;
  /** Hand level used for the base (after The Arm and Space Joker). */
  readonly level: number;
  /** Joker values after the hand (by slot). */
  readonly vals: readonly number[];
  /** Money after the hand's scoring. */
  readonly money: number;
}

/** What one pipeline run scores: the prepared play and jokers, the played and held cards. */
export interface ScoringInput {
  readonly play: PreparedPlay;
  readonly jokers: PreparedJokers;
  readonly played: readonly PreparedCard[];
  readonly held: readonly PreparedCard[];
}

/** How a run resolves chance effects, and where it records its steps. */
export interface RunOptions {
  readonly luck: Luck;
  /** Receives every step when given. */
  readonly trace?: Step[] | null;
}

/** Scores `input.played` with `input.held` left in hand. */
export function runScoring(input: ScoringInput, options: RunOptions): RunOutcome {
  const { play, jokers } = input;
  const { luck } = options;
  const trace = options.trace ?? null;
  const ctx = play.context;
  let played = input.played;
  let held = input.held;
  if (jokers.mutatesCards) {
    played = played.map(cloneCard);
    held = held.map(cloneCard);
  }
  const detection = detectHand(played, play.rules);
  const hand = detection.hand;
  const scoringPositions = detection.scoring.map((c) => played.indexOf(c));
  let money = ctx.money;
  if (play.boss === "The Tooth") money -= played.length;
  const playedCounts = play.playedCounts.slice();
  playedCounts[hand]++;

  const blocked = play.boss === ""
    ? null
    : blockedBy(play.boss, hand, played.length, play.playedThisRound);
  if (blocked !== null) {
    trace?.push({ phase: "blocked", source: play.boss, effect: blocked, chips: 0, mult: 0 });
    return {
      hand,
      contains: detection.contains,
      scoring: scoringPositions,
      chips: 0,
      mult: 0,
      score: 0,
      blocked,
      level: play.levels[hand],
      vals: jokers.initial,
      money,
    };
  }
  let level = play.levels[hand];
  if (play.boss === "The Arm" && level > 1) {
    level--;
    trace?.push({
      phase: "level",
      source: "The Arm",
      effect: "hand level −1 to " + level,
      chips: 0,
      mult: 0,
    });
  }
  if (play.boss === "The Ox" && hand === play.mostPlayed) money = 0;

  const run = new ScoringRun({
    rules: play.rules,
    context: ctx,
    luck,
    normal: play.normal,
    played,
    held: held.slice(),
    scoring: detection.scoring,
    hand,
    contains: detection.contains,
    jokers: jokers.jokers,
    vals: jokers.initial.slice(),
    playedCounts,
    timesPlayed: playedCounts[hand],
    timesPlayedThisRound: play.playedThisRound[hand] + 1,
    handsPlayedBefore: play.handsPlayedBefore,
    level,
    money,
    trace,
  });
  const tracing = trace !== null;
  const { defs, targets } = jokers;
  const jokerLabel = (i: number): string => {
    const t = targets[i];
    const name = jokers.jokers[i].joker.name;
    return `joker ${i + 1} ${name}` +
      (t >= 0 && t !== i ? ` → ${jokers.jokers[t].joker.name}` : "");
  };

  // Phase 4: "before" jokers.
  run.phase = "before";
  for (const i of jokers.beforeSlots) {
    const t = targets[i];
    if (tracing) run.source = jokerLabel(i);
    defs[t].before!(run, t, t !== i);
  }

  // Phase 3 (re-read after phase 4): base chips and mult from the level.
  run.chips = handChips(hand, run.level);
  run.mult = handMult(hand, run.level);
  run.phase = "base";
  if (tracing) {
    run.source = "hand";
    run.note(`base at level ${run.level}`);
  }

  // Phase 5: The Flint.
  if (play.boss === "The Flint") {
    [run.chips, run.mult] = flintHalve(run.chips, run.mult);
    run.phase = "boss";
    if (tracing) {
      run.source = "The Flint";
      run.note("halves base chips and mult");
    }
  }

  // Phase 6: scored cards, left to right.
  run.phase = "card";
  for (const card of run.scoring) {
    if (isFace(card, play.rules)) {
      run.firstFace = card;
      break;
    }
  }
  for (let k = 0; k < run.scoring.length; k++) {
    const card = run.scoring[k];
    const label = tracing ? `${formatCard(card.card)} (played ${card.pos + 1})` : "";
    if (card.debuffed) {
      if (tracing) {
        run.source = label;
        run.note("debuffed: no effect");
      }
      continue;
    }
    let triggers = card.seal === "Red" ? 2 : 1;
    for (const i of jokers.repetitionSlots) {
      const t = targets[i];
      triggers += defs[t].repetition!(run, t, card, t !== i);
    }
    for (let r = 0; r < triggers; r++) {
      if (tracing) run.source = r === 0 ? label : `${label} retrigger ${r}`;
      scoreCardOwn(run, card, jokers.moneyMatters);
      for (const i of jokers.individualSlots) {
        const t = targets[i];
        if (tracing) run.source = `${jokerLabel(i)} on ${label}`;
        defs[t].individual!(run, t, card, t !== i);
      }
    }
  }

  // Phase 7: held cards, left to right.
  run.phase = "held";
  for (let k = 0; k < run.held.length; k++) {
    const card = run.held[k];
    if (card.debuffed) continue;
    const label = tracing ? `${formatCard(card.card)} (held ${k + 1})` : "";
    let triggers = 1;
    for (let r = 0; r < triggers; r++) {
      if (tracing) run.source = r === 0 ? label : `${label} retrigger ${r}`;
      let produced = false;
      if (card.enhancement === "steel") {
        run.xMult(1.5);
        produced = true;
      }
      for (const i of jokers.heldSlots) {
        const t = targets[i];
        if (tracing) run.source = `${jokerLabel(i)} on ${label}`;
        if (defs[t].held!(run, t, card, t !== i)) produced = true;
      }
      if (r === 0 && produced) {
        if (card.seal === "Red") triggers++;
        for (const i of jokers.heldRepetitionSlots) {
          const t = targets[i];
          triggers += defs[t].heldRepetition!(run, t, card, t !== i);
        }
      }
    }
  }

  // Phase 8: jokers left to right (edition, main effect, reactions, Polychrome).
  run.phase = "joker";
  const n = jokers.jokers.length;
  for (let i = 0; i < n; i++) {
    if (tracing) run.source = jokerLabel(i);
    const debuffed = jokers.debuffed[i];
    const edition = jokers.jokers[i].joker.edition;
    if (!debuffed) {
      if (edition === "foil") run.addChips(50);
      else if (edition === "holographic") run.addMult(10);
    }
    const t = targets[i];
    if (t >= 0) defs[t].main?.(run, t, t !== i);
    for (const k of jokers.reactionSlots) {
      const tk = targets[k];
      if (tracing) run.source = `${jokerLabel(k)} reacting to joker ${i + 1}`;
      defs[tk].reaction!(run, tk, i, tk !== k);
    }
    if (!debuffed && edition === "polychrome") {
      if (tracing) run.source = jokerLabel(i) + " (polychrome)";
      run.xMult(1.5);
    }
  }

  // Consumables: Observatory gives ×1.5 per Planet of the played hand.
  const planets = play.observatory[hand];
  if (planets > 0) {
    run.phase = "consumable";
    if (tracing) run.source = "Observatory";
    for (let p = 0; p < planets; p++) run.xMult(1.5);
  }

  // Phase 9: Plasma Deck balances chips and mult.
  if (ctx.deck === "Plasma Deck") {
    const half = Math.floor((run.chips + run.mult) / 2);
    run.chips = half;
    run.mult = half;
    run.phase = "deck";
    if (tracing) {
      run.source = "Plasma Deck";
      run.note("balances chips and mult");
    }
  }

  const score = Math.floor(run.chips * run.mult);
  if (tracing) {
    run.phase = "final";
    run.source = "score";
    run.note(`floor(${run.chips} × ${run.mult}) = ${score}`);
  }
  return {
    hand,
    contains: detection.contains,
    scoring: scoringPositions,
    chips: run.chips,
    mult: run.mult,
    score,
    blocked: null,
    level: run.level,
    vals: run.vals,
    money: run.money,
  };
}

/** A scored card's own effects for one trigger: chips, mult, $, ×mult, then its edition. */
function scoreCardOwn(run: ScoringRun, card: PreparedCard, moneyMatters: boolean): void {
  const chips = cardChips(card);
  if (chips > 0) run.addChips(chips);
  run.luckyTrigger = 0;
  if (card.enhancement === "mult") run.addMult(4);
  else if (card.enhancement === "lucky") {
    const wMult = run.luck.chance(run.odds(5));
    if (wMult > 0) run.addMult(20 * wMult);
    let wMoney = 0;
    if (moneyMatters) {
      wMoney = run.luck.chance(run.odds(15));
      if (wMoney > 0) run.addMoney(20 * wMoney);
    }
    run.luckyTrigger = wMult + wMoney - wMult * wMoney;
  }
  if (card.seal === "Gold") run.addMoney(3);
  if (card.enhancement === "glass") run.xMult(2);
  if (card.edition === "foil") run.addChips(50);
  else if (card.edition === "holographic") run.addMult(10);
  else if (card.edition === "polychrome") run.xMult(1.5);
}
