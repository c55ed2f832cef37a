/**
 * The coordinator's storage seam: compare-and-set over an opaque version. Deno KV backs it now
 * (`atomic().check()` on a versionstamp); NATS KV (`update(key, value, revision)`) fits the same
 * shape for a cluster later.
 * @module
 */

/** A value and the version to pass to {@linkcode StateStore.swap}. */
export interface Versioned {
  readonly value: Uint8Array;
  readonly version: string;
}

export interface StateStore {
  get(key: string): Promise<Versioned | null>;
  /** Writes if the version is still `expected` (null: absent); the new version, or null when it moved. */
  swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null>;
  /** Every key under `prefix` (for start-up reclaim). */
  list(prefix: string): Promise<string[]>;
}

/** Deno KV under `["coord", ...key.split("/")]`, in the bus's KV file. */
export class KvStateStore implements StateStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async get(key: string): Promise<Versioned | null> {
    const entry = await this.#kv.get<Uint8Array>(kvKey(key));
    if (entry.value === null || entry.versionstamp === null) return null;
    return { value: entry.value, version: entry.versionstamp };
  }

  async swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null> {
    const k = kvKey(key);
    const res = await this.#kv.atomic().check({ key: k, versionstamp: expected }).set(k, value)
      .commit();
    return res.ok ? res.versionstamp : null;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const e of this.#kv.list({ prefix: kvKey(prefix) })) {
      keys.push(e.key.slice(1).join("/"));
    }
    return keys;
  }
}

/** In memory, for tests and benchmarks. */
export class MemoryStateStore implements StateStore {
  readonly #map = new Map<string, Versioned>();
  #n = 0;

  get(key: string): Promise<Versioned | null> {
    return Promise.resolve(this.#map.get(key) ?? null);
  }

  swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null> {
    const current = this.#map.get(key);
    if ((current?.version ?? null) !== expected) return Promise.resolve(null);
    const version = String(++this.#n);
    this.#map.set(key, { value: value.slice(), version });
    return Promise.resolve(version);
  }

  list(prefix: string): Promise<string[]> {
    return Promise.resolve([...this.#map.keys()].filter((k) => k.startsWith(prefix)));
  }
}

function kvKey(key: string): string[] {
  return ["coord", ...key.split("/")];
}
