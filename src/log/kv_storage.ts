/**
 * The Deno KV backend: one KV file holds every store under its own prefix (keyspace.ts). This
 * module and the KV stores are the only code that sees a Deno.Kv.
 * @module
 */
import { ensureLayout } from "./kv_layout.ts";
import { KvEventLog, type KvEventLogOptions } from "./kv_event_log.ts";
import { KvCommandStore, KvConsumerGroupStore, KvStateStore } from "./kv_stores.ts";
import type { EventLog } from "./event_log.ts";
import type { Storage } from "./stores.ts";
import { KvTrackingStore } from "./kv_tracking_store.ts";

export interface KvStorageOptions extends KvEventLogOptions {
  /** Told once when a data dir of an older layout was converted. */
  readonly onConverted?: (keys: number) => void;
}

/** Opens (creating) the KV file at `path`, converting an older layout first. */
export async function openKvStorage(path: string, opts: KvStorageOptions): Promise<Storage> {
  const kv = await Deno.openKv(path);
  let log: KvEventLog;
  try {
    const converted = await ensureLayout(kv);
    if (converted > 0) opts.onConverted?.(converted);
    log = await KvEventLog.open(kv, opts);
  } catch (err) {
    kv.close();
    throw err;
  }
  return storageOverKv("kv", kv, log);
}

/**
 * The bundle of `log` with the consumer groups, command queue and coordinator state in `kv`;
 * closing it closes the log, then the KV handle.
 */
export function storageOverKv(kind: string, kv: Deno.Kv, log: EventLog): Storage {
  let closed: Promise<void> | null = null;
  const close = () =>
    closed ??= log.close().finally(() => {
      kv.close();
    });
  return {
    kind,
    log,
    groups: new KvConsumerGroupStore(kv),
    commands: new KvCommandStore(kv),
    coordinator: new KvStateStore(kv),
    tracking: new KvTrackingStore(kv),
    close,
    [Symbol.asyncDispose]: close,
  };
}
