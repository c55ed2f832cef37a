/**
 * Consumer-group offsets, the command queue and the coordinator's state in Deno KV, each under
 * its own prefix of the keyspace (keyspace.ts).
 * @module
 */
import { PREFIX } from "./keyspace.ts";
import type {
  CommandStore,
  ConsumerGroupStore,
  QueuedCommand,
  StateStore,
  Versioned,
} from "./stores.ts";

/** Deno KV allows 1000 mutations per atomic commit; a few are kept for bookkeeping. */
const MUTATIONS_PER_COMMIT = 900;

/** ["groups", name] → committed offset. */
export class KvConsumerGroupStore implements ConsumerGroupStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async commit(group: string, offset: number): Promise<void> {
    await this.#kv.set([PREFIX.groups, group], offset);
  }

  async get(group: string): Promise<number | undefined> {
    return (await this.#kv.get<number>([PREFIX.groups, group])).value ?? undefined;
  }

  async list(): Promise<ReadonlyMap<string, number>> {
    const groups = new Map<string, number>();
    for await (const e of this.#kv.list<number>({ prefix: [PREFIX.groups] })) {
      groups.set(e.key[1] as string, e.value);
    }
    return groups;
  }

  async delete(group: string): Promise<void> {
    await this.#kv.delete([PREFIX.groups, group]);
  }
}

const NEXT_SEQ: Deno.KvKey = [PREFIX.commands, "next"];
const commandKey = (seq: number): Deno.KvKey => [PREFIX.commands, "q", seq];

/** ["commands", "q", seq] → line; ["commands", "next"] → the next sequence number. */
export class KvCommandStore implements CommandStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async append(lines: readonly string[]): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = 0; i < lines.length; i += MUTATIONS_PER_COMMIT) {
      const next = await this.#kv.get<number>(NEXT_SEQ);
      let seq = next.value ?? 0;
      const op = this.#kv.atomic().check(next);
      const chunk: number[] = [];
      for (const line of lines.slice(i, i + MUTATIONS_PER_COMMIT)) {
        op.set(commandKey(seq), line);
        chunk.push(seq++);
      }
      op.set(NEXT_SEQ, seq);
      if (!(await op.commit()).ok) {
        // Another append took the numbers first: plan this chunk again.
        i -= MUTATIONS_PER_COMMIT;
        continue;
      }
      seqs.push(...chunk);
    }
    return seqs;
  }

  async peek(max: number): Promise<QueuedCommand[]> {
    const out: QueuedCommand[] = [];
    if (max <= 0) return out;
    for await (
      const e of this.#kv.list<string>({ prefix: [PREFIX.commands, "q"] }, { limit: max })
    ) {
      out.push({ seq: e.key[2] as number, line: e.value });
    }
    return out;
  }

  async remove(seqs: readonly number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i += MUTATIONS_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (const seq of seqs.slice(i, i + MUTATIONS_PER_COMMIT)) op.delete(commandKey(seq));
      if (!(await op.commit()).ok) throw new Error("Deno KV refused a commit of the command queue");
    }
  }
}

/** ["coord", ...key.split("/")] → value, versioned by Deno KV's versionstamp. */
export class KvStateStore implements StateStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async get(key: string): Promise<Versioned | null> {
    const entry = await this.#kv.get<Uint8Array>(stateKey(key));
    if (entry.value === null || entry.versionstamp === null) return null;
    return { value: entry.value, version: entry.versionstamp };
  }

  async swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null> {
    const k = stateKey(key);
    const res = await this.#kv.atomic().check({ key: k, versionstamp: expected }).set(k, value)
      .commit();
    return res.ok ? res.versionstamp : null;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const e of this.#kv.list({ prefix: stateKey(prefix.replace(/\/$/, "")) })) {
      keys.push(e.key.slice(1).join("/"));
    }
    return keys;
  }
}

function stateKey(key: string): string[] {
  return [PREFIX.coordinator, ...key.split("/")];
}
