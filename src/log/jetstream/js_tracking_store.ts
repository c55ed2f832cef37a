/**
 * The experiment-tracking store on a NATS KV bucket, shared by every bus process of the
 * namespace. A key's parts become dot-separated tokens ("s" + base64url of a string part, "n" +
 * base64url of a number's decimal form), so listing a prefix is one subject filter; entries are
 * sorted here into Deno KV's order (strings before numbers). A write of several keys is several
 * acknowledged puts: durable before it resolves, not atomic (as the KV backend's large writes).
 * @module
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import {
  compareKeys,
  type StoreEntry,
  type StoreKey,
  type StoreWrite,
  type TrackingStore,
} from "../tracking_store.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64url(text: string): string {
  return btoa(String.fromCharCode(...encoder.encode(text)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function fromBase64url(token: string): string {
  const bin = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
  return decoder.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function encodeKey(key: StoreKey): string {
  return key.map((part) =>
    typeof part === "number" ? "n" + base64url(String(part)) : "s" + base64url(part)
  ).join(".");
}

function decodeKey(subjectKey: string): StoreKey {
  return subjectKey.split(".").map((token) => {
    const text = fromBase64url(token.slice(1));
    return token[0] === "n" ? Number(text) : text;
  });
}

export class JetStreamTrackingStore implements TrackingStore {
  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  async get<T>(key: StoreKey): Promise<T | undefined> {
    const e = await this.kv.get(encodeKey(key));
    return e && e.operation === "PUT" ? JSON.parse(e.string()) as T : undefined;
  }

  async list<T>(prefix: StoreKey): Promise<StoreEntry<T>[]> {
    // Key names from the bucket's per-subject counts (no consumer: see js_stores.ts).
    const subjects = `$KV.${this.bucket}.`;
    const filter = prefix.length === 0 ? `${subjects}>` : `${subjects}${encodeKey(prefix)}.>`;
    const info = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: filter });
    const names = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(subjects.length));
    const found = await Promise.all(names.map(async (name) => {
      const key = decodeKey(name);
      const value = await this.get<T>(key);
      return value === undefined ? null : { key, value };
    }));
    return found.filter((e) => e !== null).sort((a, b) => compareKeys(a.key, b.key));
  }

  async write(writes: readonly StoreWrite[]): Promise<void> {
    for (const { key, value } of writes) {
      if (value === null) await this.kv.delete(encodeKey(key));
      else await this.kv.put(encodeKey(key), JSON.stringify(value));
    }
  }
}
