/**
 * Consumer-group offsets, the command queue and the coordinator's state on JetStream, shared by
 * every bus process of the namespace.
 * - Groups and coordinator state are NATS KV buckets; the coordinator's compare-and-set is the
 *   bucket's revision check (create = "absent expected", update = "this revision expected").
 * - Commands are messages of a stream (the sequence is the command's number). A process takes a
 *   line by creating its claim in a KV bucket, which succeeds for one process only, so a line
 *   queued on one process is delivered by exactly one. Claims expire (CLAIM_TTL_MS) so a line
 *   peeked by a process that died before delivering it is offered again; close() releases them.
 * @module
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type {
  CommandStore,
  ConsumerGroupStore,
  QueuedCommand,
  StateStore,
  Versioned,
} from "../stores.ts";
import { streamRange } from "./stream_range.ts";

/** KV keys allow only [-/_=.a-zA-Z0-9]: arbitrary names are stored base64url-encoded. */
export function kvKey(name: string): string {
  const bytes = new TextEncoder().encode(name);
  return "k" + btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replaceAll("=", "");
}

export function kvName(key: string): string {
  const bin = atob(key.slice(1).replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** Every name ever written to a bucket (deleted ones too: callers get() each). */
export type NameLister = () => Promise<string[]>;

/**
 * Lists a bucket's names from its stream's per-subject counts, not with kv.keys(): that creates
 * a consumer, which on nats-server 2.9 can hang while a node is down (see stream_range.ts).
 */
export function bucketNames(jsm: JetStreamManager, bucket: string): NameLister {
  const prefix = `$KV.${bucket}.`;
  return async () => {
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {}).map((s) => kvName(s.slice(prefix.length)));
  };
}

/** A KV write that lost a revision check (create on an existing key, update on a stale one). */
function lostRace(err: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String(err));
}

export class JetStreamConsumerGroupStore implements ConsumerGroupStore {
  constructor(private readonly kv: KV, private readonly names: NameLister) {}

  async commit(group: string, offset: number): Promise<void> {
    await this.kv.put(kvKey(group), String(offset));
  }

  async get(group: string): Promise<number | undefined> {
    const e = await this.kv.get(kvKey(group));
    return e && e.operation === "PUT" ? Number(e.string()) : undefined;
  }

  async list(): Promise<ReadonlyMap<string, number>> {
    const out = new Map<string, number>();
    for (const name of await this.names()) {
      const offset = await this.get(name);
      if (offset !== undefined) out.set(name, offset);
    }
    return out;
  }

  async delete(group: string): Promise<void> {
    await this.kv.delete(kvKey(group));
  }
}

export class JetStreamStateStore implements StateStore {
  constructor(private readonly kv: KV, private readonly names: NameLister) {}

  async get(key: string): Promise<Versioned | null> {
    const e = await this.kv.get(kvKey(key));
    if (!e || e.operation !== "PUT") return null;
    return { value: new Uint8Array(e.value), version: String(e.revision) };
  }

  async swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null> {
    try {
      const revision = expected === null
        ? await this.kv.create(kvKey(key), value)
        : await this.kv.update(kvKey(key), value, Number(expected));
      return String(revision);
    } catch (err) {
      if (lostRace(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const path = prefix.replace(/\/$/, "");
    const under = (await this.names()).filter((k) => k === path || k.startsWith(path + "/"));
    const live = await Promise.all(under.map(async (k) => (await this.get(k)) !== null));
    return under.filter((_, i) => live[i]);
  }
}

/** How long a claimed, undelivered command stays invisible to other processes. */
export const CLAIM_TTL_MS = 60_000;
const CLAIM_BATCH = 128;

export class JetStreamCommandStore implements CommandStore {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subject: string;
  readonly #claims: KV;
  /** This process's identity in claims. */
  readonly #owner = crypto.randomUUID();
  /** Sequences this process has claimed and not removed. */
  readonly #mine = new Set<number>();

  constructor(
    deps: { js: JetStreamClient; jsm: JetStreamManager; claims: KV },
    names: { stream: string; subject: string },
  ) {
    this.#js = deps.js;
    this.#jsm = deps.jsm;
    this.#claims = deps.claims;
    this.#stream = names.stream;
    this.#subject = names.subject;
  }

  async append(lines: readonly string[]): Promise<number[]> {
    const acks = await Promise.all(lines.map((line) => this.#js.publish(this.#subject, line)));
    return acks.map((a) => a.seq);
  }

  async peek(max: number): Promise<QueuedCommand[]> {
    if (max <= 0) return [];
    const { state } = await this.#jsm.streams.info(this.#stream);
    if (state.messages === 0) return [];
    const out: QueuedCommand[] = [];
    let batch: QueuedCommand[] = [];
    // Claims are taken a batch at a time, in parallel; lines past `max` are not claimed.
    const claimBatch = async () => {
      const wanted = batch.slice(0, max - out.length);
      const won = await Promise.all(wanted.map((c) => this.#claim(c.seq)));
      out.push(...wanted.filter((_, i) => won[i]));
      batch = [];
    };
    for await (const m of streamRange(this.#jsm, this.#stream, state.first_seq, state.last_seq)) {
      batch.push({ seq: m.seq, line: m.string() });
      if (batch.length >= CLAIM_BATCH) await claimBatch();
      if (out.length >= max) return out;
    }
    await claimBatch();
    return out;
  }

  async remove(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    const { state } = await this.#jsm.streams.info(this.#stream);
    // Numbers outside the stream were never issued or are long gone: nothing to delete.
    const present = seqs.filter((seq) => seq >= state.first_seq && seq <= state.last_seq);
    await Promise.all(present.map(async (seq) => {
      await this.#jsm.streams.deleteMessage(this.#stream, seq).catch((err) => {
        if (!/no message found/i.test(String(err))) throw err;
      });
      this.#mine.delete(seq);
    }));
    for (const seq of seqs) this.#mine.delete(seq);
  }

  /** Gives back every claim this process holds (its lines become visible to the others). */
  async release(): Promise<void> {
    await Promise.allSettled([...this.#mine].map((seq) => this.#claims.purge(String(seq))));
    this.#mine.clear();
  }

  /** True when this process holds (or now takes) the claim on line `seq`. */
  async #claim(seq: number): Promise<boolean> {
    if (this.#mine.has(seq)) return true;
    try {
      await this.#claims.create(String(seq), this.#owner);
    } catch (err) {
      if (!lostRace(err)) throw err;
      const holder = await this.#claims.get(String(seq));
      if (holder?.operation !== "PUT" || holder.string() !== this.#owner) return false;
    }
    this.#mine.add(seq);
    return true;
  }
}
