/**
 * Every store in memory, and the {@linkcode Storage} bundle over them. A
 * {@linkcode MemoryBackend} holds the data; opening a second storage on the same backend after
 * closing the first is a restart that kept everything (what tests of persistence need).
 * @module
 */
import { MemoryEventLog, MemoryLogData } from "./memory_event_log.ts";
import type {
  CommandStore,
  ConsumerGroupStore,
  LogOptions,
  QueuedCommand,
  StateStore,
  Storage,
  Versioned,
} from "./stores.ts";
import { MemoryTrackingStore } from "./tracking_store.ts";

/** The data of a memory storage, kept by whoever wants to reopen it. */
export class MemoryBackend {
  readonly log = new MemoryLogData();
  readonly groups = new Map<string, number>();
  readonly commands: QueuedCommand[] = [];
  nextCommandSeq = 0;
  readonly state = new Map<string, Versioned>();
  stateVersion = 0;
  readonly tracking = new MemoryTrackingStore();
}

/** Opens the memory storage over `backend` (a fresh one unless given). */
export function openMemoryStorage(
  opts: LogOptions,
  backend: MemoryBackend = new MemoryBackend(),
): Storage {
  const log = new MemoryEventLog(opts, backend.log);
  let closed: Promise<void> | null = null;
  const close = () => closed ??= log.close();
  return {
    kind: "memory",
    log,
    groups: new MemoryConsumerGroupStore(backend),
    commands: new MemoryCommandStore(backend),
    coordinator: new MemoryStateStore(backend),
    tracking: backend.tracking,
    close,
    [Symbol.asyncDispose]: close,
  };
}

export class MemoryConsumerGroupStore implements ConsumerGroupStore {
  readonly #groups: Map<string, number>;

  constructor(backend: MemoryBackend = new MemoryBackend()) {
    this.#groups = backend.groups;
  }

  commit(group: string, offset: number): Promise<void> {
    this.#groups.set(group, offset);
    return Promise.resolve();
  }

  get(group: string): Promise<number | undefined> {
    return Promise.resolve(this.#groups.get(group));
  }

  list(): Promise<ReadonlyMap<string, number>> {
    return Promise.resolve(new Map(this.#groups));
  }

  delete(group: string): Promise<void> {
    this.#groups.delete(group);
    return Promise.resolve();
  }
}

export class MemoryCommandStore implements CommandStore {
  readonly #backend: MemoryBackend;

  constructor(backend: MemoryBackend = new MemoryBackend()) {
    this.#backend = backend;
  }

  append(lines: readonly string[]): Promise<number[]> {
    const seqs = lines.map((line) => {
      const seq = this.#backend.nextCommandSeq++;
      this.#backend.commands.push({ seq, line });
      return seq;
    });
    return Promise.resolve(seqs);
  }

  peek(max: number): Promise<QueuedCommand[]> {
    return Promise.resolve(this.#backend.commands.slice(0, Math.max(0, max)));
  }

  remove(seqs: readonly number[]): Promise<void> {
    const doomed = new Set(seqs);
    const queue = this.#backend.commands;
    queue.splice(0, queue.length, ...queue.filter((c) => !doomed.has(c.seq)));
    return Promise.resolve();
  }
}

export class MemoryStateStore implements StateStore {
  readonly #backend: MemoryBackend;

  constructor(backend: MemoryBackend = new MemoryBackend()) {
    this.#backend = backend;
  }

  get(key: string): Promise<Versioned | null> {
    return Promise.resolve(this.#backend.state.get(key) ?? null);
  }

  swap(key: string, value: Uint8Array, expected: string | null): Promise<string | null> {
    const current = this.#backend.state.get(key);
    if ((current?.version ?? null) !== expected) return Promise.resolve(null);
    const version = String(++this.#backend.stateVersion);
    this.#backend.state.set(key, { value: value.slice(), version });
    return Promise.resolve(version);
  }

  list(prefix: string): Promise<string[]> {
    const path = prefix.replace(/\/$/, "");
    const under = (k: string) => k === path || k.startsWith(path + "/");
    return Promise.resolve([...this.#backend.state.keys()].filter(under));
  }
}
