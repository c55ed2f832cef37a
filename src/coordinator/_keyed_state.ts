/**
 * One key's state with group commit: operations queued while a write is in flight are applied
 * together to a copy of the state and written with one compare-and-set; each caller's promise
 * settles once that write is durable. On a version conflict (another writer) the state is read
 * again and the same operations re-run, so operations must be pure functions of the state.
 * @module
 */
import type { StateStore } from "../log/mod.ts";

/** Mutates the draft state and returns the caller's result. */
export type Operation<S, R> = (draft: S) => R;

interface Pending<S> {
  // deno-lint-ignore no-explicit-any
  op: Operation<S, any>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class KeyedState<S> {
  readonly #store: StateStore;
  readonly #key: string;
  #text: string;
  #state: S;
  #version: string | null;
  #pending: Pending<S>[] = [];
  #writing: Promise<void> | null = null;
  /** Called after each durable write with what the operations returned. */
  readonly #afterWrite: (state: S) => void;

  private constructor(
    store: StateStore,
    key: string,
    state: S,
    version: string | null,
    afterWrite: (state: S) => void,
  ) {
    this.#store = store;
    this.#key = key;
    this.#state = state;
    this.#text = JSON.stringify(state);
    this.#version = version;
    this.#afterWrite = afterWrite;
  }

  /** Loads `key` (or `initial()` when absent). */
  static async load<S>(
    store: StateStore,
    key: string,
    initial: () => S,
    afterWrite: (state: S) => void = () => {},
  ): Promise<KeyedState<S>> {
    const got = await store.get(key);
    const state = got ? JSON.parse(decoder.decode(got.value)) as S : initial();
    return new KeyedState(store, key, state, got?.version ?? null, afterWrite);
  }

  /** The last durable state (read-only by convention). */
  get current(): S {
    return this.#state;
  }

  /** Runs `op` on the state; resolves with its result once the change is durable. */
  run<R>(op: Operation<S, R>): Promise<R> {
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    this.#pending.push({ op, resolve: resolve as (v: unknown) => void, reject });
    this.#writing ??= this.#drain();
    return promise;
  }

  /** Resolves when nothing is pending or being written. */
  async settled(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        // Callers answered by the last write usually ask again within a few microtasks: let
        // them join this batch instead of waiting a whole write for the next one.
        for (let i = 0; i < 16; i++) await Promise.resolve();
        const batch = this.#pending;
        this.#pending = [];
        await this.#commit(batch);
      }
    } finally {
      this.#writing = null;
    }
  }

  async #commit(batch: Pending<S>[]): Promise<void> {
    for (let attempt = 0;; attempt++) {
      const draft = JSON.parse(this.#text) as S;
      const results: { ok: boolean; value: unknown }[] = batch.map((p) => {
        try {
          return { ok: true, value: p.op(draft) };
        } catch (err) {
          return { ok: false, value: err };
        }
      });
      const text = JSON.stringify(draft);
      let version: string | null;
      const unchanged = text === this.#text; // nothing to write: answer at once
      try {
        version = unchanged
          ? this.#version
          : await this.#store.swap(this.#key, encoder.encode(text), this.#version);
      } catch (err) {
        for (const p of batch) p.reject(err);
        return;
      }
      if (version === null && !unchanged && attempt < 100) {
        // Another writer moved the key: read it again and re-run the same operations.
        const got = await this.#store.get(this.#key);
        if (got) {
          this.#text = decoder.decode(got.value);
          this.#state = JSON.parse(this.#text);
          this.#version = got.version;
        }
        continue;
      }
      if (version === null && !unchanged) {
        const err = new Error(`Cannot write coordinator state "${this.#key}": it keeps changing`);
        for (const p of batch) p.reject(err);
        return;
      }
      this.#text = text;
      this.#state = draft;
      this.#version = version;
      this.#afterWrite(draft);
      batch.forEach((p, i) =>
        results[i].ok ? p.resolve(results[i].value) : p.reject(results[i].value)
      );
      return;
    }
  }
}
