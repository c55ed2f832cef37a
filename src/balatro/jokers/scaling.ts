// Jokers whose values change in phase 4 ("before") for this very hand, and jokers that change
// the played cards or the level before scoring. Pure game logic: no I/O, no clock.

import { cloneCard, isFace } from "../card_rules.ts";
import { HAND_INDEX, HAND_TABLES } from "../hands.ts";
import { type JokerDef, stateNumber } from "../joker_def.ts";
import type { ScoringRun } from "../scoring_run.ts";
import type { Rarity } from "../state.ts";

const TWO_PAIR = HAND_INDEX["Two Pair"];
const STRAIGHT = HAND_INDEX["Straight"];

/** A joker that grows by `step` in phase 4 when `when` holds, then adds its value. */
function grows(
  name: string,
  text: string,
  opts: {
    value: "mult" | "chips";
    step: number;
    when: (run: ScoringRun) => boolean;
    rarity?: Rarity;
  },
): JokerDef {
  const { value, step, when } = opts;
  return {
    name,
    rarity: opts.rarity ?? "Common",
    copyable: true,
    kind: value === "mult" ? "additive" : "none",
    text,
    valueKey: value,
    initial: (joker) => stateNumber(joker, value, 0),
    before(run, j, copy) {
      if (copy || !when(run)) return;
      run.vals[j] += step;
      run.note(`grows to +${run.vals[j]} ${value}`);
    },
    main(run, j) {
      if (run.vals[j] <= 0) return;
      if (value === "mult") run.addMult(run.vals[j]);
      else run.addChips(run.vals[j]);
    },
  };
}

/** Phase-4 jokers. */
export const SCALING_JOKERS: readonly JokerDef[] = [
  grows("Green Joker", "+1 mult per hand played, −1 per discard", {
    value: "mult",
    step: 1,
    when: () => true,
  }),
  {
    name: "Ride the Bus",
    rarity: "Common",
    copyable: true,
    kind: "additive",
    text: "+1 mult per consecutive hand without a scoring face card",
    valueKey: "mult",
    initial: (joker) => stateNumber(joker, "mult", 0),
    before(run, j, copy) {
      if (copy) return;
      const face = run.scoring.some((c) => isFace(c, run.rules));
      run.vals[j] = face ? 0 : run.vals[j] + 1;
      run.note(face ? "resets to 0" : "grows to +" + run.vals[j] + " mult");
    },
    main(run, j) {
      if (run.vals[j] > 0) run.addMult(run.vals[j]);
    },
  },
  grows("Spare Trousers", "+2 mult whenever the hand contains Two Pair", {
    rarity: "Uncommon",
    value: "mult",
    step: 2,
    when: (run) => run.has(TWO_PAIR),
  }),
  grows("Square Joker", "+4 chips whenever exactly 4 cards are played", {
    value: "chips",
    step: 4,
    when: (run) => run.played.length === 4,
  }),
  grows("Runner", "+15 chips whenever the hand contains a Straight", {
    value: "chips",
    step: 15,
    when: (run) => run.has(STRAIGHT),
  }),
  {
    name: "Obelisk",
    rarity: "Rare",
    copyable: true,
    kind: "ordered",
    text: "+×0.2 mult per consecutive hand that is not the most played type",
    valueKey: "x_mult",
    initial: (joker) => stateNumber(joker, "x_mult", 1),
    before(run, j, copy) {
      if (copy) return;
      let reset = true;
      for (let h = 0; h < HAND_TABLES.length; h++) {
        if (h === run.hand) continue;
        const played = run.playedCounts[h];
        const visible = !HAND_TABLES[h].secret || played > 0;
        if (visible && played >= run.timesPlayed) reset = false;
      }
      run.vals[j] = reset ? 1 : run.vals[j] + 0.2;
      run.note(reset ? "resets to ×1" : "grows to ×" + run.vals[j]);
    },
    main(run, j) {
      if (run.vals[j] > 1) run.xMult(run.vals[j]);
    },
  },
  {
    name: "Vampire",
    rarity: "Uncommon",
    copyable: true,
    kind: "ordered",
    text: "+×0.1 mult per enhanced card scored; removes the enhancement",
    valueKey: "x_mult",
    initial: (joker) => stateNumber(joker, "x_mult", 1),
    before(run, j, copy) {
      if (copy) return;
      let n = 0;
      for (const card of run.scoring) {
        if (card.debuffed || card.enhancement === "none") continue;
        card.enhancement = "none";
        n++;
      }
      if (n > 0) {
        run.vals[j] += 0.1 * n;
        run.note(`strips ${n} enhancement(s), grows to ×${run.vals[j]}`);
      }
    },
    main(run, j) {
      if (run.vals[j] > 1) run.xMult(run.vals[j]);
    },
  },
  {
    name: "Midas Mask",
    rarity: "Uncommon",
    copyable: false,
    kind: "ordered",
    text: "scored face cards become Gold cards",
    before(run, _j, copy) {
      if (copy) return;
      for (const card of run.scoring) {
        if (isFace(card, run.rules)) card.enhancement = "gold";
      }
      run.note("face cards turn Gold");
    },
  },
  {
    name: "DNA",
    rarity: "Rare",
    copyable: true,
    kind: "none",
    text: "first hand of the round with 1 card: a copy of it goes to the hand",
    before(run) {
      if (run.handsPlayedBefore !== 0 || run.played.length !== 1) return;
      run.held = [...run.held, { ...cloneCard(run.played[0]), pos: run.held.length }];
      run.note("copies the played card into the hand");
    },
  },
  {
    name: "Space Joker",
    rarity: "Uncommon",
    copyable: true,
    kind: "none",
    random: true,
    text: "1 in 4: level up the played hand before it scores",
    before(run) {
      const w = run.luck.chance(run.odds(4));
      if (w > 0) {
        run.level += w;
        run.note("levels up the hand to " + run.level, "level");
      }
    },
  },
];
