/**
 * The bodies of `POST /api/v1/commands` (docs/mod-protocol.md#queueing-commands) → command lines
 * for the mod's poll (`name` or `name:arg1,arg2`).
 * @module
 */
import { BusError } from "../errors.ts";

const MAX_LINE_CHARS = 1024;

/** The command lines a body asks to queue, in order. */
export function commandLines(body: unknown, maxCommands: number): string[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw malformed("the body must be a JSON object", []);
  }
  const obj = body as Record<string, unknown>;
  let lines: string[];
  if ("commands" in obj) {
    if (!Array.isArray(obj.commands)) throw malformed('"commands" must be an array of strings', []);
    if (obj.commands.length > maxCommands) {
      throw new BusError(
        "too_large",
        `Cannot queue commands: ${obj.commands.length} given; the limit is ${maxCommands}`,
      );
    }
    lines = obj.commands.map((c, i) => {
      if (typeof c !== "string") throw malformed(`commands[${i}] is not a string`, [{ index: i }]);
      return c.trim();
    });
  } else if (typeof obj.command === "string") {
    const args = obj.args ?? [];
    if (!Array.isArray(args)) throw malformed('"args" must be an array', []);
    const parts = args.map((a) => typeof a === "string" ? a : JSON.stringify(a));
    lines = [parts.length ? `${obj.command}:${parts.join(",")}` : obj.command];
  } else if (typeof obj.type === "string") {
    // The original JimBot developer tool: {"type": name, "payload": {"position"|"index": n}}
    const payload = (typeof obj.payload === "object" && obj.payload) as Record<string, unknown>;
    const arg = payload ? payload.position ?? payload.index : undefined;
    lines = [arg === undefined || arg === null ? obj.type : `${obj.type}:${arg}`];
  } else {
    throw malformed(
      'expected {"commands": [...]}, {"command": ..., "args": [...]} or {"type": ...}',
      [],
    );
  }
  lines.forEach((line, i) => {
    if (line === "") throw malformed(`command ${i} is empty`, [{ index: i }]);
    if (/[\r\n]/.test(line)) {
      throw malformed(`command ${i} contains a line break`, [{ index: i }]);
    }
    if (line.length > MAX_LINE_CHARS) {
      throw malformed(`command ${i} is longer than ${MAX_LINE_CHARS} characters`, [{ index: i }]);
    }
  });
  return lines;
}

function malformed(what: string, details: unknown[]): BusError {
  return new BusError("malformed", `Cannot queue commands: ${what}`, { details });
}
