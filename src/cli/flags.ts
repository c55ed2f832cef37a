/**
 * Command-line flags for the subcommands, read with node:util parseArgs: `--name value`,
 * `--name=value` and boolean flags, with our own one-sentence refusals (a `malformed` BusError:
 * exit code 2). Flags the command does not know are refused, or passed through as given when
 * the command forwards them (analytics forwards bus options to the config).
 * @module
 */
import { parseArgs } from "node:util";
import { BusError } from "../errors.ts";

export interface FlagSpec {
  /** Flags that take a value (names without the dashes). */
  readonly values?: readonly string[];
  /** Flags that are on or off. */
  readonly booleans?: readonly string[];
  /** Keep unknown flags, in order and as written, in `others` instead of refusing them. */
  readonly passThrough?: boolean;
}

export interface Flags {
  /** Given flags by name (booleans as "true"); the last one wins. */
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
  /** With passThrough: the arguments not read here, as written. */
  readonly others: readonly string[];
}

/** Reads `args`; `-h` counts as `--help` when `help` is among the booleans. */
export function readFlags(args: readonly string[], spec: FlagSpec, command: string): Flags {
  const values = new Map<string, string>();
  const positionals: string[] = [];
  const others: string[] = [];
  const booleans = spec.booleans ?? [];
  const { tokens } = parseArgs({
    args: [...args],
    options: {
      ...Object.fromEntries((spec.values ?? []).map((n) => [n, { type: "string" as const }])),
      ...Object.fromEntries(booleans.map((n) => [n, { type: "boolean" as const }])),
      ...(booleans.includes("help") ? { help: { type: "boolean", short: "h" } } : {}),
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    const known = token.kind === "option" &&
      (booleans.includes(token.name) || (spec.values ?? []).includes(token.name));
    if (token.kind === "positional" && !spec.passThrough) {
      positionals.push(token.value);
    } else if (!known) {
      if (!spec.passThrough) {
        throw new BusError(
          "malformed",
          `Unknown option "${args[token.index]}": see "${command} --help"`,
        );
      }
      others.push(args[token.index]);
    } else if (token.kind === "option" && booleans.includes(token.name)) {
      values.set(token.name, "true");
    } else if (token.kind === "option") {
      if (token.value === undefined) {
        throw new BusError("malformed", `Option ${token.rawName} needs a value`);
      }
      values.set(token.name, token.value);
    }
  }
  return { values, positionals, others };
}
