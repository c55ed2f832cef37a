/**
 * Start-up failures a user can act on: the data directory and the listening ports, each turned
 * into one "Cannot start: …" sentence that names the flag to change.
 * @module
 */

import { StartupError } from "./errors.ts";

/** Creates `--data-dir` if needed; says so plainly when the path is a file or not writable. */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new StartupError(
        `Cannot start: --data-dir "${dir}" is a file, not a directory; ` +
          "give a directory (it is created if missing)",
        1,
      );
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new StartupError(
        `Cannot start: --data-dir "${dir}" cannot be created or written here`,
        1,
      );
    }
    throw err;
  }
}

/** Where a listener was asked to bind. */
export interface BindTarget {
  /** `--port` or `--grpc-port`. */
  readonly flag: string;
  readonly host: string;
  readonly port: number;
}

/** A bind failure as a sentence naming the port and its flag; other errors unchanged. */
export function bindError(err: unknown, target: BindTarget): unknown {
  const { flag, host, port } = target;
  const code = (err as { code?: string } | null)?.code;
  if (err instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return new StartupError(
      `Cannot start: port ${port} on ${host} is already in use (${flag}); ` +
        `stop the program holding it or choose another with ${flag} (0 picks a free one)`,
      1,
    );
  }
  if (err instanceof Deno.errors.PermissionDenied || code === "EACCES") {
    return new StartupError(
      `Cannot start: no permission to listen on port ${port} (${flag}); ` +
        `ports below 1024 need privileges: choose another with ${flag}`,
      1,
    );
  }
  if (err instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL") {
    return new StartupError(
      `Cannot start: ${host} is not an address of this machine (--host); ` +
        "use 127.0.0.1, 0.0.0.0 or one of its addresses",
      1,
    );
  }
  return err;
}
