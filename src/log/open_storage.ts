/**
 * Opens the storage of a data dir with the chosen log store: "kv" (everything in Deno KV) or
 * "sqlite" (the event log in SQLite, the other stores in Deno KV). A data dir keeps the log store
 * it was written with: opening it with the other one is refused rather than showing an empty log.
 * @module
 */
import { StartupError } from "../errors.ts";
import { type KvStorageOptions, openKvStorage } from "./kv_storage.ts";
import {
  exists,
  KV_FILE,
  openSqliteStorage,
  SQLITE_LOG_FILE,
  type SqliteStorageOptions,
} from "./sqlite/sqlite_storage.ts";
import type { Storage } from "./stores.ts";

/** Which store holds the event log (config.ts lists the same names for --log-store). */
export type LogStore = "kv" | "sqlite";

export async function openStorage(
  store: LogStore,
  dir: string,
  opts: KvStorageOptions & SqliteStorageOptions,
): Promise<Storage> {
  if (store === "sqlite") return await openSqliteStorage(dir, opts);
  if (await exists(`${dir}/${SQLITE_LOG_FILE}`)) {
    throw new StartupError(
      `Cannot start: the data dir holds a SQLite event log (${SQLITE_LOG_FILE}); ` +
        "start it with --log-store=sqlite",
      2,
    );
  }
  return await openKvStorage(`${dir}/${KV_FILE}`, opts);
}
