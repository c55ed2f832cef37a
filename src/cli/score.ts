// The `score` subcommand: scores a play given on the command line or as test vectors in JSON,
// printing a breakdown for people or one JSON result per vector.

import {
  type Blind,
  type Consumable,
  defaultContext,
  type Edition,
  EDITIONS,
  findJoker,
  formatCard,
  HAND_TABLES,
  HAND_TYPES,
  type HandType,
  isHandType,
  type Joker,
  jokerNames,
  type JokerState,
  parseCards,
  type Play,
  readVectors,
  score,
  type ScoreResult,
  type Vector,
} from "../balatro/mod.ts";
import { BusError } from "../errors.ts";
import { readFlags } from "./flags.ts";

const HELP = `Usage: jimbot score [options]

Score one Balatro hand exactly as the game does.

Input (one of):
  --play CARDS        cards played, left to right, e.g. "AH KH QH JH 10H"
                      (rank 2-10/T/J/Q/K/A + suit S/H/C/D; modifiers joined with "+":
                      +bonus +mult +wild +glass +steel +stone +gold +lucky, +foil +holo +poly
                      +negative, +red-seal +gold-seal +blue-seal +purple-seal, +debuffed, +bonus:N)
  --json FILE         vectors in the scoring test-vector schema (a single vector or an array);
                      "-" reads standard input

With --play:
  --held CARDS        cards left in hand, left to right
  --jokers LIST       comma-separated jokers, left to right, e.g. "Joker,Blueprint"; options in
                      brackets: "Yorick[x_mult=23]", "Joker[edition=polychrome]",
                      "The Idol[target_rank=King;target_suit=Hearts]"
  --levels LIST       hand levels, e.g. "Flush=3,Pair=2"
  --played LIST       times played this run before this hand, e.g. "Pair=4"
  --played-round LIST times played this round before this hand
  --blind NAME        current blind (default "Small Blind"; bosses such as "The Flint")
  --blind-disabled    the boss effect is disabled
  --hands N           hands left before pressing Play (default 4; 1 = final hand)
  --discards N        discards left (default 4)
  --money N           dollars before the hand (default 0)
  --deck NAME         deck name (default "Red Deck"; "Plasma Deck" changes scoring)
  --deck-left N       cards left in the draw pile (default 44)
  --steel N           Steel cards in the full deck (Steel Joker)
  --consumables LIST  held consumables, e.g. "Jupiter,Jupiter"
  --observatory       the Observatory voucher is owned

Output:
  --output FORMAT     "text" (default: a step-by-step breakdown) or "json" (one JSON object per
                      vector per line: id, hand_type, chips, mult, score; plus hand_blocked,
                      and min/max/mean when chance effects are involved)
  --list-jokers       print the known joker names
  -h, --help          show this help

Exit codes: 0 scored, 2 bad input (one-sentence message on stderr).`;

const VALUE_FLAGS = [
  "play",
  "json",
  "held",
  "jokers",
  "levels",
  "played",
  "played-round",
  "blind",
  "hands",
  "discards",
  "money",
  "deck",
  "deck-left",
  "steel",
  "consumables",
  "output",
];
const BOOL_FLAGS = ["blind-disabled", "observatory", "list-jokers", "help"];

/** The flags given, keyed "--name" as the help text spells them. */
function parseFlags(args: readonly string[]): Map<string, string> {
  const { values, positionals } = readFlags(
    args,
    { values: VALUE_FLAGS, booleans: BOOL_FLAGS },
    "score",
  );
  if (positionals.length > 0) usage(`Unknown option "${positionals[0]}": see "score --help"`);
  return new Map([...values].map(([name, value]) => [`--${name}`, value]));
}

/** A command-line mistake: reported in one sentence, exit code 2. */
function usage(message: string): never {
  throw new BusError("malformed", message);
}

function intFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) usage(`Option ${name} must be a number: got "${raw}"`);
  return n;
}

function handList(text: string | undefined, flag: string): Partial<Record<HandType, number>> {
  const out: Partial<Record<HandType, number>> = {};
  if (text === undefined) return out;
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const [name, value] = part.split("=").map((s) => s.trim());
    const hand = HAND_TYPES.find((h) => h.toLowerCase() === name.toLowerCase());
    const n = Number(value);
    if (hand === undefined || !isHandType(hand) || !Number.isFinite(n)) {
      usage(`Cannot read ${flag} entry "${part}": expected e.g. "Flush=3"`);
    }
    out[hand] = n;
  }
  return out;
}

/** Splits a joker list on commas outside brackets. */
function splitJokers(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Reads "Name" or "Name[key=value;key=value]". */
function parseJoker(spec: string): Joker {
  const open = spec.indexOf("[");
  const rawName = (open >= 0 ? spec.slice(0, open) : spec).trim();
  const def = findJoker(rawName);
  if (def === undefined) {
    usage(`Unknown joker "${rawName}": run "score --list-jokers" for the names`);
  }
  let edition: Edition = "none";
  const state: Record<string, string | number> = {};
  if (open >= 0) {
    if (!spec.endsWith("]")) usage(`Cannot read joker "${spec}": missing "]"`);
    for (const pair of spec.slice(open + 1, -1).split(";").filter((p) => p.trim() !== "")) {
      const [key, value] = pair.split("=").map((s) => s.trim());
      if (value === undefined) {
        usage(`Cannot read joker "${spec}": "${pair}" is not key=value`);
      }
      if (key === "edition") {
        const found = EDITIONS.find((e) => e.startsWith(value.toLowerCase()));
        if (found === undefined) {
          usage(`Unknown edition "${value}" for joker "${rawName}"`);
        }
        edition = found;
      } else {
        state[key] = Number.isFinite(Number(value)) ? Number(value) : value;
      }
    }
  }
  return { name: def.name, edition, state: state as JokerState };
}

const BOSS_FINISHERS = new Set(["Verdant Leaf", "Violet Vessel", "Amber Acorn", "Crimson Heart"]);

function playFromFlags(flags: Map<string, string>): Play {
  const cards = (flag: string) => {
    const text = flags.get(flag);
    if (text === undefined) return [];
    try {
      return parseCards(text);
    } catch (err) {
      usage((err as Error).message);
    }
  };
  const played = cards("--play");
  if (played.length < 1 || played.length > 5) {
    usage(`Option --play needs 1 to 5 cards: got ${played.length}`);
  }
  const blindName = flags.get("--blind") ?? "Small Blind";
  const boss = blindName.startsWith("The ") || BOSS_FINISHERS.has(blindName);
  const blind: Blind = {
    name: blindName,
    chips: 0,
    mult: boss ? 2 : blindName === "Big Blind" ? 1.5 : 1,
    boss,
    disabled: flags.has("--blind-disabled"),
  };
  const consumables: Consumable[] = (flags.get("--consumables") ?? "").split(",")
    .map((s) => s.trim()).filter((s) => s.length > 0)
    .map((name) => ({
      name,
      cardType: HAND_TABLES.some((t) => t.planet === name) ? "Planet" : "",
      edition: "none",
    }));
  const playedRun = handList(flags.get("--played"), "--played");
  const playedRound = handList(flags.get("--played-round"), "--played-round");
  const handStats: Partial<Record<HandType, { played: number; playedThisRound: number }>> = {};
  for (const hand of HAND_TYPES) {
    if (playedRun[hand] !== undefined || playedRound[hand] !== undefined) {
      handStats[hand] = { played: playedRun[hand] ?? 0, playedThisRound: playedRound[hand] ?? 0 };
    }
  }
  const steel = intFlag(flags, "--steel", 0);
  return {
    played,
    held: cards("--held"),
    jokers: splitJokers(flags.get("--jokers") ?? "").map(parseJoker),
    handLevels: handList(flags.get("--levels"), "--levels"),
    handStats,
    context: defaultContext({
      deck: flags.get("--deck") ?? "Red Deck",
      blind,
      handsRemaining: intFlag(flags, "--hands", 4),
      discardsRemaining: intFlag(flags, "--discards", 4),
      money: intFlag(flags, "--money", 0),
      deckRemainingCount: intFlag(flags, "--deck-left", 44),
      fullDeckCounts: steel > 0 ? { steel, enhanced: steel } : {},
      consumables,
      vouchers: flags.has("--observatory") ? ["Observatory"] : [],
    }),
  };
}

async function readJsonInput(path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(path);
  } catch (err) {
    usage(`Cannot read "${path}": ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    usage(`Cannot parse "${path}" as JSON: ${(err as Error).message}`);
  }
}

/** One result line of `--output json`. */
export function jsonResult(id: string, result: ScoreResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id,
    hand_type: result.handType,
    chips: result.chips,
    mult: result.mult,
    score: result.score,
  };
  if (result.blocked !== null) out.hand_blocked = true;
  if (result.chance !== null) {
    out.min = result.chance.min;
    out.max = result.chance.max;
    out.mean = result.chance.mean;
    out.mean_exact = result.chance.meanExact;
  }
  if (result.warnings.length > 0) out.warnings = result.warnings;
  return out;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e15) return n.toExponential(6);
  return Number.isInteger(n) ? n.toLocaleString("en-US") : String(Math.round(n * 1e6) / 1e6);
}

/** The human breakdown of one scored play. */
export function textResult(id: string, play: Play, result: ScoreResult): string {
  const lines: string[] = [];
  lines.push(
    `${id}: ${play.played.map(formatCard).join(" ")}` +
      (play.held.length > 0 ? `  (held: ${play.held.map(formatCard).join(" ")})` : ""),
  );
  if (play.jokers.length > 0) {
    lines.push(
      "jokers: " +
        play.jokers.map((j) => j.edition === "none" ? j.name : `${j.name} (${j.edition})`).join(
          ", ",
        ),
    );
  }
  lines.push(
    `hand: ${result.handLabel} (level ${result.level}), scoring cards: ` +
      result.scoringCards.map((i) => formatCard(play.played[i])).join(" "),
  );
  const width = Math.max(8, ...result.steps.map((s) => s.source.length));
  for (const step of result.steps) {
    lines.push(
      `  ${step.phase.padEnd(10)} ${step.source.padEnd(width)}  ${step.effect.padEnd(28)}` +
        `  chips ${fmt(step.chips)}  mult ${fmt(step.mult)}`,
    );
  }
  if (result.blocked !== null) lines.push(`blocked: ${result.blocked}`);
  lines.push(`score: ${fmt(result.chips)} × ${fmt(result.mult)} = ${fmt(result.score)}`);
  if (result.chance !== null) {
    const c = result.chance;
    lines.push(
      `chance: min ${fmt(c.min.score)}, max ${fmt(c.max.score)}, mean ${fmt(c.mean.score)}` +
        (c.meanExact ? ` (exact over ${c.meanSamples} outcomes)` : ` (${c.meanSamples} samples)`),
    );
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}

function write(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/**
 * Runs the `score` subcommand with its arguments (after `score`). Returns the exit code:
 * 0 on success, 2 on bad input (a one-sentence message is written to stderr).
 */
export async function scoreCommand(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args);
    if (flags.has("--help")) {
      write(Deno.stdout, HELP + "\n");
      return 0;
    }
    if (flags.has("--list-jokers")) {
      write(Deno.stdout, jokerNames().join("\n") + "\n");
      return 0;
    }
    const output = flags.get("--output") ?? "text";
    if (output !== "text" && output !== "json") {
      usage(`Option --output must be "text" or "json": got "${output}"`);
    }
    let items: { id: string; play: Play }[];
    if (flags.has("--json")) {
      if (flags.has("--play")) usage("Use either --play or --json, not both");
      let vectors: Vector[];
      const input = await readJsonInput(flags.get("--json")!);
      try {
        vectors = readVectors(input);
      } catch (err) {
        usage((err as Error).message);
      }
      items = vectors.map((v) => ({ id: v.id, play: v.play }));
    } else if (flags.has("--play")) {
      items = [{ id: "play", play: playFromFlags(flags) }];
    } else {
      usage('Give the cards with --play "AH KH QH JH 10H" or a file with --json');
    }
    const out: string[] = [];
    for (const { id, play } of items) {
      let result: ScoreResult;
      try {
        result = score(play);
      } catch (err) {
        usage(`Cannot score ${id}: ${(err as Error).message}`);
      }
      out.push(
        output === "json" ? JSON.stringify(jsonResult(id, result)) : textResult(id, play, result),
      );
    }
    write(Deno.stdout, out.join(output === "json" ? "\n" : "\n\n") + "\n");
    return 0;
  } catch (err) {
    if (err instanceof BusError && err.kind === "malformed") {
      const message = err.message.endsWith(".") ? err.message : err.message + ".";
      write(Deno.stderr, `score: ${message}\n`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) {
  Deno.exit(await scoreCommand(Deno.args));
}
