/**
 * Consumer-group offsets in Deno KV: ["group", name, "offset"] → the last offset the group has
 * processed (it resumes at offset + 1). Acks are coalesced (one write per group per flush);
 * an explicit commit resolves once durable. Delivery is at-least-once, so a lost coalesced ack
 * only means redelivery.
 * @module
 */
import { BusError } from "../errors.ts";

/** Longest group name, in characters. */
export const MAX_GROUP_CHARS = 256;
/** How long acks wait to share one KV write. */
const ACK_FLUSH_MS = 50;

const key = (group: string): Deno.KvKey => ["group", group, "offset"];

export class ConsumerGroups {
  readonly #kv: Deno.Kv;
  /** Committed offsets known to this process (loaded lazily, then kept current). */
  readonly #known = new Map<string, number>();
  readonly #dirty = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  private constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Loads every committed offset (groups are few). */
  static async open(kv: Deno.Kv): Promise<ConsumerGroups> {
    const groups = new ConsumerGroups(kv);
    for await (const e of kv.list<number>({ prefix: ["group"] })) {
      if (e.key[2] === "offset") groups.#known.set(e.key[1] as string, e.value);
    }
    return groups;
  }

  /** The group's last committed offset, or undefined when it never committed. */
  committed(group: string): number | undefined {
    return this.#known.get(checkGroup(group));
  }

  /** Every group with its committed offset. */
  all(): ReadonlyMap<string, number> {
    return this.#known;
  }

  /** Records the offset durably (may move backwards: a deliberate rewind). */
  async commit(group: string, offset: number): Promise<void> {
    checkGroup(group);
    this.#known.set(group, offset);
    this.#dirty.delete(group);
    await this.#kv.set(key(group), offset);
  }

  /** Records a processed offset soon; acks only move a group forwards. */
  ack(group: string, offset: number): void {
    checkGroup(group);
    const known = this.#known.get(group);
    if (known !== undefined && known >= offset) return;
    this.#known.set(group, offset);
    this.#dirty.set(group, offset);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, ACK_FLUSH_MS);
  }

  /** Writes pending acks now (shutdown). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const op = this.#kv.atomic();
    for (const [group, offset] of this.#dirty) op.set(key(group), offset);
    this.#dirty.clear();
    await op.commit();
  }
}

function checkGroup(group: string): string {
  if (group === "" || group.length > MAX_GROUP_CHARS) {
    throw new BusError(
      "malformed",
      `A consumer group name must have 1 to ${MAX_GROUP_CHARS} characters: got ${group.length}`,
    );
  }
  return group;
}
