/**
 * Consumer-group offsets over a ConsumerGroupStore: the last offset each group has processed
 * (it resumes at offset + 1). Acks are coalesced (one write per group per flush); an explicit
 * commit resolves once durable. Delivery is at-least-once, so a lost coalesced ack only means
 * redelivery.
 * @module
 */
import { BusError } from "../errors.ts";
import type { ConsumerGroupStore } from "../log/mod.ts";

/** Longest group name, in characters. */
export const MAX_GROUP_CHARS = 256;
/** How long acks wait to share one store write. */
const ACK_FLUSH_MS = 50;

export class ConsumerGroups {
  readonly #store: ConsumerGroupStore;
  /** Committed offsets known to this process (loaded lazily, then kept current). */
  readonly #known = new Map<string, number>();
  readonly #dirty = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  private constructor(store: ConsumerGroupStore) {
    this.#store = store;
  }

  /** Loads every committed offset (groups are few). */
  static async open(store: ConsumerGroupStore): Promise<ConsumerGroups> {
    const groups = new ConsumerGroups(store);
    for (const [name, offset] of await store.list()) groups.#known.set(name, offset);
    return groups;
  }

  /** The group's last committed offset, or undefined when it never committed. */
  committed(group: string): number | undefined {
    return this.#known.get(checkGroup(group));
  }

  /**
   * Reloads the group's committed offset from the store: on a shared store (JetStream) another
   * bus process may have moved it since this one loaded it.
   */
  async refresh(group: string): Promise<void> {
    checkGroup(group);
    if (this.#dirty.has(group)) return; // this process's newer ack is not written yet
    const stored = await this.#store.get(group);
    if (stored === undefined) this.#known.delete(group);
    else this.#known.set(group, stored);
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
    await this.#store.commit(group, offset);
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
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    await Promise.all(dirty.map(([group, offset]) => this.#store.commit(group, offset)));
  }
}

/** A group name a client may use (1 to MAX_GROUP_CHARS characters), or a `malformed` error. */
export function checkGroup(group: string): string {
  if (group === "" || group.length > MAX_GROUP_CHARS) {
    throw new BusError(
      "malformed",
      `A consumer group name must have 1 to ${MAX_GROUP_CHARS} characters: got ${group.length}`,
    );
  }
  return group;
}
