/**
 * The credit window of one stream: the client grants events, the server spends them, and
 * never holds more than `max` (so what is in flight stays bounded whatever the client sends).
 * @module
 */

export class CreditWindow {
  readonly #max: number;
  #credits = 0;

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
    return this.#credits - before;
  }

  spend(n: number): void {
    this.#credits = Math.max(0, this.#credits - n);
  }
}
