/**
 * The experiment-tracking server's storage seam (src/mlflow/): an ordered key → JSON value map
 * with durable multi-key writes. `KvTrackingStore` keeps it in the bus's Deno KV under its own
 * prefix, `MemoryTrackingStore` in memory; every backend's {@linkcode Storage} bundle has one.
 * @module
 */

/** Key parts compare like Deno KV's: element by element, strings before numbers. */
export type StoreKey = readonly (string | number)[];

export interface StoreEntry<T> {
  readonly key: StoreKey;
  readonly value: T;
}

/** A write: `value` null deletes the key. */
export interface StoreWrite {
  readonly key: StoreKey;
  readonly value: unknown;
}

export interface TrackingStore {
  get<T>(key: StoreKey): Promise<T | undefined>;
  /** Every entry under `prefix`, in key order. */
  list<T>(prefix: StoreKey): Promise<StoreEntry<T>[]>;
  /** Applies all writes, durably, before resolving. */
  write(writes: readonly StoreWrite[]): Promise<void>;
}

export function compareKeys(a: StoreKey, b: StoreKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === "string" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Values are copied in and out, so callers never share objects with the store. */
export class MemoryTrackingStore implements TrackingStore {
  readonly #entries = new Map<string, StoreEntry<string>>();

  get<T>(key: StoreKey): Promise<T | undefined> {
    const found = this.#entries.get(JSON.stringify(key));
    return Promise.resolve(found ? JSON.parse(found.value) as T : undefined);
  }

  list<T>(prefix: StoreKey): Promise<StoreEntry<T>[]> {
    const out = [...this.#entries.values()]
      .filter((e) => e.key.length > prefix.length && prefix.every((p, i) => e.key[i] === p))
      .sort((a, b) => compareKeys(a.key, b.key))
      .map((e) => ({ key: e.key, value: JSON.parse(e.value) as T }));
    return Promise.resolve(out);
  }

  write(writes: readonly StoreWrite[]): Promise<void> {
    for (const { key, value } of writes) {
      const id = JSON.stringify(key);
      if (value === null) this.#entries.delete(id);
      else this.#entries.set(id, { key: [...key], value: JSON.stringify(value) });
    }
    return Promise.resolve();
  }
}
