/**
 * The bus: subscriptions over the durable log (catch-up from the log, live from its in-memory
 * tail), consumer-group offsets and topic statistics. Protocols (rpc/, http/) sit on top; the
 * bus knows none of them, nor which backend stores the log.
 * @module
 */
import { BusError } from "../errors.ts";
import {
  compileTopicPatterns,
  type ConsumerGroupStore,
  type EventLog,
  type TopicMatcher,
  type TopicStats,
} from "../log/mod.ts";
import { ConsumerGroups } from "./consumer_groups.ts";
import { Cursor } from "./cursor.ts";
import { LogTail } from "./log_tail.ts";
import { resolveStart, type Start } from "./start_position.ts";
import { Subscription } from "./subscription.ts";

/** Told about subscribers and deliveries, for metrics. */
export interface BusObserver {
  subscribers(protocol: string, delta: number): void;
  delivered(protocol: string, events: number): void;
}

export interface BusOptions {
  /** Most events the shared in-memory tail holds. */
  readonly tailEvents: number;
  /** Most envelope bytes the shared in-memory tail holds. */
  readonly tailBytes: number;
  readonly observer?: BusObserver;
  readonly onBackgroundError?: (err: unknown) => void;
}

/** What a subscriber asks for, whatever protocol carried it. */
export interface SubscribeOptions {
  /** Topic patterns; empty: every topic. */
  readonly topics: readonly string[];
  /** Where to start when there is no group or it never committed (default latest). */
  readonly start?: Start;
  /** Resume after this group's committed offset. */
  readonly group?: string;
  /** Stop before this offset. */
  readonly endOffset?: number;
  /** 0: as fast as possible; 1: recorded pace; N: N times faster. */
  readonly replaySpeed?: number;
  /** Label for metrics ("connect", "grpc", "ws", "sse"). */
  readonly protocol: string;
}

export class Bus {
  readonly log: EventLog;
  readonly groups: ConsumerGroups;
  readonly #tail: LogTail;
  readonly #observer?: BusObserver;

  private constructor(
    log: EventLog,
    tail: LogTail,
    groups: ConsumerGroups,
    observer?: BusObserver,
  ) {
    this.log = log;
    this.#tail = tail;
    this.groups = groups;
    this.#observer = observer;
  }

  static async open(log: EventLog, groupStore: ConsumerGroupStore, opts: BusOptions): Promise<Bus> {
    const groups = await ConsumerGroups.open(groupStore);
    const tail = new LogTail(log, {
      maxEvents: opts.tailEvents,
      maxBytes: opts.tailBytes,
      onError: opts.onBackgroundError ?? (() => {}),
    });
    return new Bus(log, tail, groups, opts.observer);
  }

  /** Opens a subscription; close it when done (it counts as a subscriber until then). */
  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    const topics = compilePatterns(opts.topics);
    if (opts.group !== undefined) await this.groups.refresh(opts.group);
    const committed = opts.group === undefined ? undefined : this.groups.committed(opts.group);
    const from = committed !== undefined
      ? Math.max(committed + 1, this.log.bounds().first)
      : await resolveStart(this.log, opts.start ?? { kind: "latest" });
    const speed = opts.replaySpeed ?? 0;
    if (!Number.isFinite(speed) || speed < 0) {
      throw new BusError("malformed", `The replay speed must be 0 or more: got ${speed}`);
    }
    const cursor = new Cursor(this.log, this.#tail, { from, end: opts.endOffset, topics });
    const observer = this.#observer;
    observer?.subscribers(opts.protocol, 1);
    return new Subscription(cursor, speed, () => observer?.subscribers(opts.protocol, -1));
  }

  /** Counts events handed to a subscriber. */
  delivered(protocol: string, events: number): void {
    this.#observer?.delivered(protocol, events);
  }

  topics(patterns: readonly string[]): Promise<TopicStats[]> {
    return this.log.topicStats(compilePatterns(patterns));
  }

  async close(): Promise<void> {
    this.#tail.close();
    await this.groups.close();
  }
}

/** Compiles patterns; a bad one is the client's error. */
export function compilePatterns(patterns: readonly string[]): TopicMatcher | undefined {
  const list = patterns.flatMap((p) => p.split(",")).map((p) => p.trim()).filter((p) => p);
  if (list.length === 0) return undefined;
  try {
    return compileTopicPatterns(list.join(","));
  } catch (err) {
    throw new BusError("malformed", (err as Error).message, { details: [{ topics: list }] });
  }
}
