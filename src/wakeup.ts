/**
 * The one wait/wake primitive of the bus: a loop waits until "something changed", whoever
 * changed it calls notify(). A notify while nobody waits is remembered (once), so a change
 * between a loop's check and its wait is never lost; waiters re-check their condition after
 * waking, so a spare wake-up costs one look. Imports nothing, so any module may use it.
 * @module
 */

export class Wakeup {
  readonly #waiters = new Set<() => void>();
  #pending = false;

  /** Wakes every waiter, or the next one to wait when none does. */
  notify(): void {
    if (this.#waiters.size === 0) {
      this.#pending = true;
      return;
    }
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify (at once if one is pending); rejects if `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
