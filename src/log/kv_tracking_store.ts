/**
 * The tracking store in the bus's Deno KV, under its own prefix (keyspace.ts).
 * @module
 */
import { PREFIX as KEYSPACE } from "./keyspace.ts";
import type { StoreEntry, StoreKey, StoreWrite, TrackingStore } from "./tracking_store.ts";

const PREFIX = KEYSPACE.tracking;
// Deno KV refuses atomic operations above 1000 mutations or about 800 KiB; larger writes (a
// full log-batch) are committed in parts, each durable before the next, all before the answer.
const MAX_MUTATIONS = 500;
const MAX_BYTES = 512 * 1024;

export class KvTrackingStore implements TrackingStore {
  constructor(private readonly kv: Deno.Kv) {}

  async get<T>(key: StoreKey): Promise<T | undefined> {
    const found = await this.kv.get<T>([PREFIX, ...key]);
    return found.value ?? undefined;
  }

  async list<T>(prefix: StoreKey): Promise<StoreEntry<T>[]> {
    const out: StoreEntry<T>[] = [];
    for await (const e of this.kv.list<T>({ prefix: [PREFIX, ...prefix] })) {
      out.push({ key: e.key.slice(1) as (string | number)[], value: e.value });
    }
    return out;
  }

  async write(writes: readonly StoreWrite[]): Promise<void> {
    let op = this.kv.atomic();
    let mutations = 0;
    let bytes = 0;
    for (const { key, value } of writes) {
      const size = value === null ? 0 : JSON.stringify(value).length + 64;
      if (mutations > 0 && (mutations >= MAX_MUTATIONS || bytes + size > MAX_BYTES)) {
        await commit(op);
        op = this.kv.atomic();
        mutations = 0;
        bytes = 0;
      }
      const kvKey = [PREFIX, ...key];
      if (value === null) op.delete(kvKey);
      else op.set(kvKey, value);
      mutations++;
      bytes += size;
    }
    if (mutations > 0) await commit(op);
  }
}

async function commit(op: Deno.AtomicOperation): Promise<void> {
  const result = await op.commit();
  if (!result.ok) throw new Error("Cannot write the tracking store: the KV commit failed");
}
