/**
 * Structured diagnostics: one JSON line per record on stderr. Made in app.ts and passed down;
 * nothing else writes to stderr.
 * @module
 */

/** Severity, in increasing order. */
export type LogLevel = "debug" | "info" | "warn" | "error";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** A fixed phrase plus fields, so lines can be grepped and counted. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that writes records at `level` and above to `sink` (stderr by default). */
export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = writeStderr,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (lvl: LogLevel) => {
    // Stacks are for bugs: written at error level; warnings keep to name, message and cause.
    const replacer = errorFields(lvl === "error");
    return (msg: string, fields?: Record<string, unknown>) => {
      if (LOG_LEVELS.indexOf(lvl) < threshold) return;
      sink(JSON.stringify({ ts: new Date().toISOString(), level: lvl, msg, ...fields }, replacer));
    };
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * Turns console output of the runtime and of libraries (Deno.serve's warnings, for one) into log
 * records, so that every line on stderr stays one JSON object.
 */
export function captureConsole(logger: Logger): void {
  const text = (args: unknown[]) =>
    args.map((a) => typeof a === "string" ? a : Deno.inspect(a)).join(" ");
  const to = (write: Logger["info"]) => (...args: unknown[]) =>
    write("runtime message", { text: text(args) });
  Object.assign(globalThis.console, {
    error: to(logger.error),
    warn: to(logger.warn),
    log: to(logger.info),
    info: to(logger.info),
    debug: to(logger.debug),
    trace: to(logger.debug),
  });
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** Longest chain of causes written. */
const MAX_CAUSES = 5;

/** Errors have no enumerable fields: writes name, message, the cause chain and (if asked) stack. */
function errorFields(withStack: boolean) {
  const describe = (value: Error, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if (withStack && value.stack) out.stack = value.stack;
    const cause = value.cause;
    if (cause !== undefined && depth < MAX_CAUSES) {
      out.cause = cause instanceof Error ? describe(cause, depth + 1) : cause;
    }
    return out;
  };
  return (_key: string, value: unknown): unknown =>
    value instanceof Error ? describe(value, 0) : value;
}
