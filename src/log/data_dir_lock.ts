/**
 * One process per data dir: an exclusive advisory lock (flock) on `<data-dir>/jimbot.lock`,
 * holding the owner's pid for the refusal sentence. The kernel drops the lock when its process
 * ends, however it ends, so a `kill -9` leaves nothing that blocks the next start.
 * @module
 */
import { StartupError } from "../errors.ts";

export const LOCK_FILE = "jimbot.lock";

export interface DataDirLock extends Disposable {
  /** Releases the lock (idempotent). */
  release(): void;
}

/**
 * Takes the data dir's lock for this process (creating the dir).
 * @throws {StartupError} exit code 1, naming the dir and the holder's pid, when another process
 * holds it
 */
export async function lockDataDir(dataDir: string, purpose = "a bus"): Promise<DataDirLock> {
  const path = `${dataDir}/${LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (err) {
    throw new StartupError(
      `Cannot start ${purpose}: cannot use the data dir ${dataDir}: ${(err as Error).message}`,
      1,
      { cause: err },
    );
  }
  try {
    if (!(await file.tryLock(true))) {
      const holder = (await Deno.readTextFile(path)).trim();
      throw new StartupError(
        `Cannot start ${purpose}: the data dir ${dataDir} is in use by process ${
          holder || "(unknown pid)"
        }; stop it first or choose another --data-dir`,
        1,
      );
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (err) {
    file.close();
    throw err;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    file.close(); // closing the descriptor drops the lock
  };
  return { release, [Symbol.dispose]: release };
}
