/**
 * The SQLite-log backend: the event log in `<dir>/log.sqlite` (sqlite_event_log.ts), and the
 * consumer-group offsets, command queue and coordinator state in Deno KV (`<dir>/jimbot.kv`) as
 * with the KV backend: those are small, random-access, compare-and-set stores, which KV does well.
 * @module
 */
import { StartupError } from "../../errors.ts";
import { KEY } from "../_blocks.ts";
import { ensureLayout } from "../kv_layout.ts";
import { type KvStorageOptions, storageOverKv } from "../kv_storage.ts";
import type { Storage } from "../stores.ts";
import type { Synchronous } from "./protocol.ts";
import { SqliteEventLog } from "./sqlite_event_log.ts";

/** The log file's name in the data dir. */
export const SQLITE_LOG_FILE = "log.sqlite";
/** The KV file's name in the data dir. */
export const KV_FILE = "jimbot.kv";

export interface SqliteStorageOptions extends KvStorageOptions {
  readonly synchronous?: Synchronous;
}

/**
 * Opens (creating) the SQLite log and the KV stores in `dir`.
 * @throws {StartupError} when the KV file already holds an event log (the data dir was written
 *   with the KV log store): its events would silently disappear from view
 */
export async function openSqliteStorage(dir: string, opts: SqliteStorageOptions): Promise<Storage> {
  const kv = await Deno.openKv(`${dir}/${KV_FILE}`);
  let log: SqliteEventLog;
  try {
    const converted = await ensureLayout(kv);
    if (converted > 0) opts.onConverted?.(converted);
    const kvEvents = (await kv.get<number>(KEY.head)).value ?? 0;
    if (kvEvents > 0 && !await exists(`${dir}/${SQLITE_LOG_FILE}`)) {
      throw new StartupError(
        `Cannot start: the data dir holds a Deno KV event log (${kvEvents} events); ` +
          "start it with --log-store=kv",
        2,
      );
    }
    log = await SqliteEventLog.open(`${dir}/${SQLITE_LOG_FILE}`, opts);
  } catch (err) {
    kv.close();
    throw err;
  }
  return storageOverKv("sqlite", kv, log);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
