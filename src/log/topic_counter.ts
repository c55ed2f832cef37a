/**
 * Topic statistics in memory: events per topic and the newest offset. Both log implementations
 * count with it; the KV log also saves what changed (kv_topic_stats.ts).
 * @module
 */
import type { StoredEvent, TopicStats } from "./event_log.ts";
import type { TopicMatcher } from "./topic_pattern.ts";

export interface TopicCount {
  events: number;
  lastOffset: number;
}

export class TopicCounter {
  readonly #topics = new Map<string, TopicCount>();
  /** Topics counted since the last takeChanged(). */
  readonly #changed = new Set<string>();

  /** Counts stored events (each once: callers feed every offset once). */
  add(events: Iterable<Pick<StoredEvent, "topic" | "offset">>): void {
    for (const e of events) {
      const s = this.#topics.get(e.topic);
      if (s) {
        s.events++;
        if (e.offset > s.lastOffset) s.lastOffset = e.offset;
      } else this.#topics.set(e.topic, { events: 1, lastOffset: e.offset });
      this.#changed.add(e.topic);
    }
  }

  /** Sets a topic's figures as saved earlier (loading). */
  restore(name: string, count: TopicCount): void {
    this.#topics.set(name, { ...count });
  }

  list(topics?: TopicMatcher): TopicStats[] {
    return [...this.#topics]
      .filter(([name]) => !topics || topics(name))
      .map(([name, s]) => ({ name, events: s.events, lastOffset: s.lastOffset }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The topics counted since the last call, with their figures now. */
  takeChanged(): [string, TopicCount][] {
    const out = [...this.#changed].map((name): [string, TopicCount] => [
      name,
      { ...this.#topics.get(name)! },
    ]);
    this.#changed.clear();
    return out;
  }

  /** Puts topics back among the changed ones (their save failed). */
  markChanged(names: readonly string[]): void {
    for (const name of names) this.#changed.add(name);
  }

  get size(): number {
    return this.#topics.size;
  }
}
