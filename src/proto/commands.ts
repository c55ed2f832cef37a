// Commands to the mod as typed messages: one `Command` per poll line `name` or `name:a,b`
// (docs/mod-protocol.md#the-poll-answer), and `CommandList` bodies. Pure: no I/O.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type Command,
  type CommandList,
  CommandListSchema,
  CommandSchema,
} from "../gen/jimbot/events/v1/commands_pb.ts";

/**
 * Parses one poll line: the name is everything before the first ":", the rest splits on ",".
 *
 * @example
 * ```ts
 * commandFromLine("select_card:0"); // { name: "select_card", args: ["0"] }
 * ```
 */
export function commandFromLine(line: string): Command {
  const colon = line.indexOf(":");
  if (colon < 0) return create(CommandSchema, { name: line, args: [] });
  return create(CommandSchema, {
    name: line.slice(0, colon),
    args: line.slice(colon + 1).split(","),
  });
}

/** Writes a command as the poll line the mod parses. */
export function commandToLine(command: Command): string {
  return command.args.length === 0 ? command.name : `${command.name}:${command.args.join(",")}`;
}

/** Splits a poll answer into commands (CR and LF both split; empty lines skipped, as the mod does). */
export function commandsFromPollText(text: string): Command[] {
  return text.split(/[\r\n]+/).filter((line) => line !== "").map(commandFromLine);
}

/** Encodes command lines as a protobuf `CommandList`. */
export function encodeCommandLines(lines: readonly string[]): Uint8Array<ArrayBuffer> {
  return toBinary(
    CommandListSchema,
    create(CommandListSchema, { commands: lines.map(commandFromLine) }),
  ) as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes a protobuf `CommandList` body (POST /api/v1/commands with
 * `Content-Type: application/x-protobuf`) to the command lines to queue, in order.
 *
 * @throws {SyntaxError} when the bytes are not a valid `CommandList`
 */
export function decodeCommandLines(bytes: Uint8Array): string[] {
  let list: CommandList;
  try {
    list = fromBinary(CommandListSchema, bytes);
  } catch (err) {
    throw new SyntaxError(`Cannot decode command list: ${(err as Error).message}`, { cause: err });
  }
  return list.commands.map(commandToLine);
}
