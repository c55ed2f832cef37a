/**
 * One prom-client registry for the whole process, served at /metrics. Parts report through the
 * narrow observer interfaces they define (IngestObserver, CommitObserver), not through this
 * module, so they stay testable without it.
 * @module
 */
import client from "prom-client";
import type { IngestObserver } from "./ingest/ingest.ts";
import type { CommitObserver } from "./log/mod.ts";
import type { BusObserver } from "./bus/mod.ts";
import type { GameFigure } from "./analytics/game_figures.ts";

/** What the stream metrics read when scraped: group offsets and the log head. */
export interface StreamState {
  head(): number;
  groups(): ReadonlyMap<string, number>;
  /** Events accepted and waiting for their commit. */
  pending(): number;
}

/** The game gauges, each family labelled as its figure rows are (see game_figures.ts). */
const GAME_GAUGES: readonly {
  figure: GameFigure["figure"];
  name: string;
  help: string;
  labels: readonly string[];
}[] = [
  { figure: "games", name: "jimbot_games", help: "Games by outcome.", labels: ["outcome"] },
  {
    figure: "rounds",
    name: "jimbot_game_rounds",
    help: "Finished rounds by ante and outcome (win rate by ante: won / all).",
    labels: ["ante", "outcome"],
  },
  {
    figure: "hands",
    name: "jimbot_game_hands",
    help: "Hands played, by hand type.",
    labels: ["hand_type"],
  },
  {
    figure: "hand_score_sum",
    name: "jimbot_game_hand_score_sum",
    help: "Sum of the scores of hands played, by hand type (average: / jimbot_game_hands).",
    labels: ["hand_type"],
  },
  {
    figure: "current",
    name: "jimbot_game_current",
    help: "The latest game: ante, round, score, blind_chips (the blind to beat), money.",
    labels: ["field"],
  },
];

/** How long one read of the game figures serves the scrape that triggered it. */
const GAME_FIGURES_TTL_MS = 1_000;

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export class BusMetrics implements IngestObserver, CommitObserver, BusObserver {
  readonly registry = new client.Registry();
  readonly #events: Record<Parameters<IngestObserver["counted"]>[0], client.Counter<"type">>;
  readonly #requestSeconds: client.Histogram<"route" | "method" | "status">;
  readonly #commitSeconds: client.Histogram;
  readonly #commitEvents: client.Histogram;
  readonly #commitBytes: client.Histogram;
  readonly #head: client.Gauge;
  readonly #subscribers: client.Gauge<"protocol">;
  readonly #delivered: client.Counter<"protocol">;
  readonly #credits: client.Gauge;
  readonly #connectionsRefused: client.Counter<"listener" | "cap">;
  readonly #connectionsTimedOut: client.Counter<"listener" | "timeout">;
  readonly #openConnections = new Map<string, () => number>();
  #stream: StreamState | undefined;

  constructor() {
    const registers = [this.registry];
    const counter = (what: string, help: string) =>
      new client.Counter({
        name: `jimbot_events_${what}_total`,
        help,
        labelNames: ["type"],
        registers,
      });
    this.#events = {
      received: counter(
        "received",
        "Events received, by type (other: types the mod does not define).",
      ),
      stored: counter("stored", "Events newly stored in the log, by type."),
      duplicate: counter(
        "duplicate",
        "Events acknowledged as re-sends of a stored event_id, by type.",
      ),
      dead_lettered: counter(
        "dead_lettered",
        "Unusable events or bodies kept in the dead-letter store.",
      ),
    };
    this.#requestSeconds = new client.Histogram({
      name: "jimbot_http_request_duration_seconds",
      help: "HTTP request latency by route pattern, method and status.",
      labelNames: ["route", "method", "status"],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
    this.#commitSeconds = new client.Histogram({
      name: "jimbot_log_commit_duration_seconds",
      help: "Duration of one Deno KV commit of the event log.",
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.#commitEvents = new client.Histogram({
      name: "jimbot_log_commit_events",
      help: "Events per KV commit (group commit batch size).",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    });
    this.#commitBytes = new client.Histogram({
      name: "jimbot_log_commit_bytes",
      help: "Bytes written per KV commit of the event log.",
      buckets: [1e3, 4e3, 16e3, 64e3, 128e3, 256e3, 512e3, 800e3],
      registers,
    });
    this.#head = new client.Gauge({
      name: "jimbot_log_head_offset",
      help: "Next offset the event log will assign (events stored since the log began).",
      registers,
    });
    this.#subscribers = new client.Gauge({
      name: "jimbot_stream_subscribers",
      help: "Open subscriptions, by protocol (connect, grpc, grpc_web, ws, sse).",
      labelNames: ["protocol"],
      registers,
    });
    this.#delivered = new client.Counter({
      name: "jimbot_stream_delivered_events_total",
      help: "Events handed to subscribers, by protocol.",
      labelNames: ["protocol"],
      registers,
    });
    this.#credits = new client.Gauge({
      name: "jimbot_stream_credits_outstanding",
      help: "Credits granted by Stream clients and not yet used (events the bus may still send).",
      registers,
    });
    this.#connectionsRefused = new client.Counter({
      name: "jimbot_connections_refused_total",
      help: "Connections refused over a cap, by listener (http, grpc) and cap (total, " +
        "per_address).",
      labelNames: ["listener", "cap"],
      registers,
    });
    this.#connectionsTimedOut = new client.Counter({
      name: "jimbot_connections_timed_out_total",
      help: "Connections closed by a timeout, by listener and timeout (header, idle).",
      labelNames: ["listener", "timeout"],
      registers,
    });
    const open = this.#openConnections;
    new client.Gauge({
      name: "jimbot_connections_open",
      help: "Connections open, by listener (http, grpc).",
      labelNames: ["listener"],
      registers,
      collect() {
        for (const [listener, count] of open) this.set({ listener }, count());
      },
    });
    const stream = () => this.#stream;
    new client.Gauge({
      name: "jimbot_consumer_group_lag",
      help: "Events stored after the last offset each consumer group committed.",
      labelNames: ["group"],
      registers,
      collect() {
        const s = stream();
        if (!s) return;
        this.reset();
        const head = s.head();
        for (const [group, committed] of s.groups()) {
          this.set({ group }, Math.max(0, head - committed - 1));
        }
      },
    });
    new client.Gauge({
      name: "jimbot_log_pending_events",
      help: "Events accepted and waiting for their commit (429 above --max-pending-events).",
      registers,
      collect() {
        const s = stream();
        if (s) this.set(s.pending());
      },
    });
    client.collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Exports the game gauges, read from `read` when scraped (one read serves every family of a
   * scrape). Without analytics there are none.
   */
  watchGames(read: () => Promise<readonly GameFigure[]>): void {
    let cached: { at: number; figures: Promise<readonly GameFigure[]> } | undefined;
    const figures = () => {
      const now = performance.now();
      if (!cached || now - cached.at > GAME_FIGURES_TTL_MS) {
        cached = { at: now, figures: read().catch(() => []) };
      }
      return cached.figures;
    };
    for (const { figure, name, help, labels } of GAME_GAUGES) {
      new client.Gauge({
        name,
        help,
        labelNames: labels,
        registers: [this.registry],
        async collect() {
          const rows = (await figures()).filter((f) => f.figure === figure);
          this.reset();
          for (const row of rows) {
            const values = [row.label, row.label2];
            this.set(Object.fromEntries(labels.map((l, i) => [l, values[i]])), row.value);
          }
        },
      });
    }
  }

  /** Where the consumer-group lag gauge reads from (set once the bus is open). */
  watchStream(state: StreamState): void {
    this.#stream = state;
  }

  /** Where the open-connections gauge of a listener reads from. */
  watchConnections(listener: string, count: () => number): void {
    this.#openConnections.set(listener, count);
  }

  connectionRefused(listener: string, cap: string): void {
    this.#connectionsRefused.inc({ listener, cap });
  }

  connectionTimedOut(listener: string, timeout: string): void {
    this.#connectionsTimedOut.inc({ listener, timeout });
  }

  subscribers(protocol: string, delta: number): void {
    this.#subscribers.inc({ protocol: protocol.replace("-", "_") }, delta);
  }

  delivered(protocol: string, events: number): void {
    this.#delivered.inc({ protocol: protocol.replace("-", "_") }, events);
  }

  credits(delta: number): void {
    this.#credits.inc(delta);
  }

  // Labelled children, cached: looking labels up on every call costs more than the count.
  readonly #eventChildren = new Map<string, { inc(n: number): void }>();
  readonly #requestChildren = new Map<string, { observe(v: number): void }>();

  counted(what: Parameters<IngestObserver["counted"]>[0], type: string, n: number): void {
    const key = `${what} ${type}`;
    let child = this.#eventChildren.get(key);
    if (!child) this.#eventChildren.set(key, child = this.#events[what].labels({ type }));
    child.inc(n);
  }

  committed(unit: { events: number; bytes: number; seconds: number; head: number }): void {
    this.#commitSeconds.observe(unit.seconds);
    this.#commitEvents.observe(unit.events);
    this.#commitBytes.observe(unit.bytes);
    this.#head.set(unit.head);
  }

  /** Records one answered HTTP request. */
  request(route: string, method: string, status: number, seconds: number): void {
    // Clients choose the method: unknown ones share one label so the series stay bounded.
    if (!HTTP_METHODS.has(method)) method = "OTHER";
    const key = `${route} ${method} ${status}`;
    let child = this.#requestChildren.get(key);
    if (!child) {
      child = this.#requestSeconds.labels({ route, method, status: String(status) });
      this.#requestChildren.set(key, child);
    }
    child.observe(seconds);
  }

  setHead(head: number): void {
    this.#head.set(head);
  }
}
