/**
 * One prom-client registry for the whole process, served at /metrics. Parts report through the
 * narrow observer interfaces they define (IngestObserver, CommitObserver), not through this
 * module, so they stay testable without it.
 * @module
 */
import client from "prom-client";
import type { IngestObserver } from "./ingest/ingest.ts";
import type { CommitObserver } from "./log/kv_event_log.ts";

export class BusMetrics implements IngestObserver, CommitObserver {
  readonly registry = new client.Registry();
  readonly #events: Record<Parameters<IngestObserver["counted"]>[0], client.Counter<"type">>;
  readonly #requestSeconds: client.Histogram<"route" | "method" | "status">;
  readonly #commitSeconds: client.Histogram;
  readonly #commitEvents: client.Histogram;
  readonly #commitBytes: client.Histogram;
  readonly #head: client.Gauge;

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
    client.collectDefaultMetrics({ register: this.registry });
  }

  counted(what: Parameters<IngestObserver["counted"]>[0], type: string, n: number): void {
    this.#events[what].inc({ type }, n);
  }

  committed(unit: { events: number; bytes: number; seconds: number; head: number }): void {
    this.#commitSeconds.observe(unit.seconds);
    this.#commitEvents.observe(unit.events);
    this.#commitBytes.observe(unit.bytes);
    this.#head.set(unit.head);
  }

  /** Records one answered HTTP request. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.#requestSeconds.observe({ route, method, status: String(status) }, seconds);
  }

  setHead(head: number): void {
    this.#head.set(head);
  }
}
