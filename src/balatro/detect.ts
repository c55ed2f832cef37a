// Poker hand detection: hand type, what the hand contains, and the scoring set.
// Pure game logic: no I/O, no clock.

import { type Suit, SUITS } from "./cards.ts";
import { flushSuit, type HandRules, type PreparedCard } from "./card_rules.ts";
import { HAND_INDEX } from "./hands.ts";

/** Result of detecting a played hand. */
export interface Detection {
  /** Index of the hand type in `HAND_TYPES`. */
  readonly hand: number;
  /** Bit `1 << i` set for every hand type `HAND_TYPES[i]` the played cards contain. */
  readonly contains: number;
  /** Scoring cards, left to right. */
  readonly scoring: PreparedCard[];
  /** Suit of the flush, when there is one. */
  readonly flushSuit: Suit | null;
}

const H = HAND_INDEX;

/** Contains-mask bit of a hand type index. */
export function bit(hand: number): number {
  return 1 << hand;
}

/**
 * Detects the poker hand of the played cards (1–5), following the game's precedence and the
 * rule-changing jokers in `rules`.
 */
export function detectHand(cards: readonly PreparedCard[], rules: HandRules): Detection {
  const n = cards.length;
  const need = rules.fourFingers ? 4 : 5;
  // in[i]: bit mask of cards (by index in `cards`) in a role
  let flushMask = 0;
  let flushOf: Suit | null = null;
  if (n >= need) {
    for (const suit of SUITS) {
      let mask = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (flushSuit(cards[i], suit, rules)) {
          mask |= 1 << i;
          count++;
        }
      }
      if (count >= need) {
        flushMask = mask;
        flushOf = suit;
        break;
      }
    }
  }

  // Rank groups (Stone cards have no rank).
  const counts = new Array<number>(15).fill(0);
  let present = 0; // bit v for rank value v (Ace also as 1)
  for (let i = 0; i < n; i++) {
    const id = cards[i].id;
    if (id === 0) continue;
    counts[id]++;
    present |= 1 << id;
    if (id === 14) present |= 1 << 1;
  }

  // Straight: runs of present rank values; neighbours differ by 1 (2 with Shortcut).
  let straightValues = 0;
  if (n >= need) {
    const maxGap = rules.shortcut ? 2 : 1;
    let runMask = 0;
    let runLen = 0;
    let last = -10;
    for (let v = 1; v <= 14; v++) {
      if ((present & (1 << v)) === 0) continue;
      if (v - last <= maxGap) {
        runMask |= 1 << v;
        runLen++;
      } else {
        runMask = 1 << v;
        runLen = 1;
      }
      last = v;
      if (runLen >= need) straightValues |= runMask;
    }
  }
  let straightMask = 0;
  if (straightValues !== 0) {
    for (let i = 0; i < n; i++) {
      const id = cards[i].id;
      if (id === 0) continue;
      if ((straightValues & (1 << id)) !== 0 || (id === 14 && (straightValues & 2) !== 0)) {
        straightMask |= 1 << i;
      }
    }
  }

  // Groups of equal rank.
  let big = 0; // largest group size
  let pairs = 0; // groups of size ≥ 2
  let hasTripleOrMore = false;
  for (let id = 2; id <= 14; id++) {
    const c = counts[id];
    if (c > big) big = c;
    if (c >= 2) pairs++;
    if (c >= 3) hasTripleOrMore = true;
  }
  const fullHouse = hasTripleOrMore && pairs >= 2;
  const flush = flushMask !== 0;
  const straight = straightMask !== 0;

  let contains = bit(H["High Card"]);
  if (big >= 2) contains |= bit(H["Pair"]);
  if (pairs >= 2) contains |= bit(H["Two Pair"]);
  if (big >= 3) contains |= bit(H["Three of a Kind"]);
  if (straight) contains |= bit(H["Straight"]);
  if (flush) contains |= bit(H["Flush"]);
  if (fullHouse) contains |= bit(H["Full House"]);
  if (big >= 4) contains |= bit(H["Four of a Kind"]);
  if (straight && flush) contains |= bit(H["Straight Flush"]);
  if (big >= 5) contains |= bit(H["Five of a Kind"]);
  if (fullHouse && flush) contains |= bit(H["Flush House"]);
  if (big >= 5 && flush) contains |= bit(H["Flush Five"]);

  let hand = 0;
  while ((contains & (1 << hand)) === 0) hand++;

  let mask = 0;
  const groupMask = (minSize: number): number => {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const id = cards[i].id;
      if (id !== 0 && counts[id] >= minSize) m |= 1 << i;
    }
    return m;
  };
  switch (hand) {
    case H["Flush Five"]:
    case H["Flush House"]:
      mask = groupMask(2) | flushMask;
      break;
    case H["Five of a Kind"]:
    case H["Full House"]:
    case H["Two Pair"]:
    case H["Pair"]:
      mask = groupMask(2);
      break;
    case H["Straight Flush"]:
      mask = flushMask | straightMask;
      break;
    case H["Four of a Kind"]:
      mask = groupMask(4);
      break;
    case H["Three of a Kind"]:
      mask = groupMask(3);
      break;
    case H["Flush"]:
      mask = flushMask;
      break;
    case H["Straight"]:
      mask = straightMask;
      break;
    default: {
      let best = -1;
      for (let i = 0; i < n; i++) {
        if (cards[i].id !== 0 && (best < 0 || cards[i].id > cards[best].id)) best = i;
      }
      if (best >= 0) mask = 1 << best;
    }
  }
  const scoring: PreparedCard[] = [];
  for (let i = 0; i < n; i++) {
    const c = cards[i];
    if ((mask & (1 << i)) !== 0 || c.enhancement === "stone" || rules.splash) scoring.push(c);
  }
  return { hand, contains, scoring, flushSuit: flushOf };
}
