/**
 * Tells listeners when the log head advances (new events are durable and readable). Listeners
 * run synchronously inside the commit path, so they must only schedule work, never do it.
 * @module
 */
import type { HeadListener, StoredEvent } from "./event_log.ts";

export class HeadNotifier {
  readonly #listeners = new Set<HeadListener>();
  readonly #onError: (err: unknown) => void;

  /** `onError` hears a listener's exception; the commit path never sees it. */
  constructor(onError: (err: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  /** Adds a listener; the returned function removes it. */
  listen(listener: HeadListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(head: number, events: readonly StoredEvent[] = []): void {
    for (const listener of this.#listeners) {
      try {
        listener(head, events);
      } catch (err) {
        this.#onError(new Error("a head listener failed", { cause: err }));
      }
    }
  }
}
