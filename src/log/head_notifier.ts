/**
 * Tells listeners when the log head advances (new events are durable and readable). Listeners
 * run synchronously inside the commit path, so they must only schedule work, never do it.
 * @module
 */

import type { StoredEvent } from "./event_log.ts";

/**
 * Called with the new head (the next offset the log will assign) and, when the log has them in
 * memory, the events of the commit round (some may lie at or past `head`: ignore those).
 */
export type HeadListener = (head: number, events: readonly StoredEvent[]) => void;

export class HeadNotifier {
  readonly #listeners = new Set<HeadListener>();

  /** Adds a listener; the returned function removes it. */
  listen(listener: HeadListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(head: number, events: readonly StoredEvent[] = []): void {
    for (const listener of this.#listeners) {
      try {
        listener(head, events);
      } catch {
        // A listener's failure is its own; the commit path must not see it.
      }
    }
  }
}
