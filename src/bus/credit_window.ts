/**
 * The credit window of one stream: the client grants events, the server spends them, and
 * never holds more than `max` (so what is in flight stays bounded whatever the client sends).
 * @module
 */
import { Wakeup } from "../wakeup.ts";

export class CreditWindow {
  readonly #max: number;
  #credits = 0;
  readonly #granted = new Wakeup();

  constructor(max: number) {
    this.#max = max;
  }

  get available(): number {
    return this.#credits;
  }

  /** Adds credits (capped at the window); returns how many were actually added. */
  grant(n: number): number {
    const before = this.#credits;
    this.#credits = Math.min(this.#max, this.#credits + n);
    if (this.#credits > 0) this.#granted.notify();
    return this.#credits - before;
  }

  spend(n: number): void {
    this.#credits = Math.max(0, this.#credits - n);
  }

  /** Resolves once there is at least one credit; rejects if `signal` aborts first. */
  async wait(signal?: AbortSignal): Promise<void> {
    while (this.#credits === 0) await this.#granted.wait(signal);
  }
}
