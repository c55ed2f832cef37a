/** Test kit: a scripted clock whose timers fire when the test advances it. */
import type { Clock, TimerHandle } from "../../src/coordinator/clock.ts";

export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #n = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#n;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Moves time on without firing timers (time passing while the process was down). */
  advanceNoTimers(ms: number): void {
    this.#now += ms;
    this.#timers.clear();
  }

  /** Moves time on by `ms`, firing due timers in order, and lets their work settle. */
  async advance(ms: number): Promise<void> {
    await settle(); // operations already asked for happen before time moves
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets queued promise work (group commits on a memory store) finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 1000; i++) await Promise.resolve();
}
