/**
 * Ingest: request body → lenient parse → normalise each event → one append to the log. Events
 * that cannot be used are dead-lettered beside the good ones (a non-2xx would make the mod
 * resend the whole batch forever); only a body unusable as a whole is refused, and even that
 * is kept in the dead-letter store.
 * @module
 */
import { BusError } from "../errors.ts";
import type { Limits } from "../config.ts";
import type { EventLog, EventRepair, NewDeadLetter, NewEvent } from "../log/event_log.ts";
import { JsonDepthError, parseLenientJson, type Repair } from "./lenient_json.ts";
import { type BatchContext, describe, type Normalized, normalizeEvent } from "./normalize.ts";
import { KNOWN_TYPES } from "./topic_routing.ts";

/** The answer to an ingest request (the mod reads only the status; people read the rest). */
export interface IngestAnswer {
  readonly status: "ok";
  readonly accepted: number;
  readonly duplicates: number;
  /** First and last offset of the newly stored events; empty when none was new. */
  readonly offsets: [number, number] | [];
  /** Events that could not be used, with why and where they are kept. */
  readonly dead_lettered?: { index: number; reason: string; dead_letter: number }[];
  /** Number of lenient-parse repairs (details are stored on each event). */
  readonly repairs?: number;
}

/** Counts for metrics, by event type label. */
export interface IngestObserver {
  counted(
    what: "received" | "stored" | "duplicate" | "dead_lettered",
    type: string,
    n: number,
  ): void;
}

type Shape = "single" | "batch";
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const decoder = new TextDecoder();

/**
 * The sources of the bus's own publishers (live advice, the coordinator, experiment tracking):
 * clients cannot post events under them, so a subscriber can trust `source: "jimbot-advisor"`.
 */
export const OWN_SOURCES: ReadonlySet<string> = new Set([
  "jimbot-advisor",
  "jimbot-coordinator",
  "jimbot-mlflow",
]);

export class Ingest {
  readonly #log: EventLog;
  readonly #limits: Limits;
  readonly #observer?: IngestObserver;

  constructor(log: EventLog, limits: Limits, observer?: IngestObserver) {
    this.#log = log;
    this.#limits = limits;
    this.#observer = observer;
  }

  /** A body of `POST /api/v1/events`: one event object. */
  acceptEvent(body: Uint8Array, route: string): Promise<IngestAnswer> {
    return this.#accept(body, route, "single");
  }

  /** A body of `POST /api/v1/events/batch`: `{batch_id, events[], source, timestamp}`. */
  acceptBatch(body: Uint8Array, route: string): Promise<IngestAnswer> {
    return this.#accept(body, route, "batch");
  }

  /** One event already decoded to its JSON shape (protobuf or RPC callers): same rules. */
  acceptEventObject(event: unknown, route: string): Promise<IngestAnswer> {
    return this.#acceptParsed(event, [], "single", route, () => JSON.stringify(event));
  }

  /** A batch already decoded to its JSON shape (protobuf or RPC callers): same rules. */
  acceptBatchObject(batch: unknown, route: string): Promise<IngestAnswer> {
    return this.#acceptParsed(batch, [], "batch", route, () => JSON.stringify(batch));
  }

  /** A batch the bus publishes itself (advice, tracking): its `jimbot-` source is allowed. */
  acceptOwnBatch(batch: unknown, route: string): Promise<IngestAnswer> {
    return this.#acceptParsed(batch, [], "batch", route, () => JSON.stringify(batch), true);
  }

  /**
   * Keeps a body that could not be decoded at all (base64, it may be binary) in the dead-letter
   * store; returns the 400 to throw.
   */
  refuseUndecodable(body: Uint8Array, route: string, reason: string): Promise<BusError> {
    return this.#refuseBody(encodeBase64(body), route, reason, "base64");
  }

  async #accept(body: Uint8Array, route: string, shape: Shape): Promise<IngestAnswer> {
    let parsed: { value: unknown; repairs: readonly Repair[] };
    try {
      parsed = parseLenientJson(body, this.#limits.maxJsonDepth);
    } catch (err) {
      const what = shape === "batch" ? "batch" : "event";
      const reason = err instanceof JsonDepthError
        ? `Cannot ingest ${what}: JSON nests deeper than ${err.maxDepth} levels`
        : `Cannot parse ${what}: ${(err as Error).message}`;
      throw await this.#refuseBody(decoder.decode(body), route, reason);
    }
    const rawText = () => decoder.decode(body);
    return this.#acceptParsed(parsed.value, parsed.repairs, shape, route, rawText);
  }

  async #acceptParsed(
    value: unknown,
    repairs: readonly Repair[],
    shape: Shape,
    route: string,
    rawText: () => string,
    own = false,
  ): Promise<IngestAnswer> {
    const byEvent = groupRepairs(repairs, shape);
    const usable = (result: Normalized): Normalized =>
      result.ok && !own && OWN_SOURCES.has(result.event.source)
        ? {
          ok: false,
          reason: `"source" "${result.event.source}" is reserved for the bus's own events ` +
            `(${[...OWN_SOURCES].join(", ")})`,
        }
        : result;
    const events: NewEvent[] = [];
    const deadLetters: NewDeadLetter[] = [];
    const rejected: { index: number; reason: string }[] = [];
    if (shape === "single") {
      const ctx = { maxFieldChars: this.#limits.maxFieldChars };
      const result = usable(normalizeEvent(value, byEvent.get(0) ?? [], ctx));
      if (!result.ok) {
        throw await this.#refuseBody(rawText(), route, `Cannot ingest event: ${result.reason}`);
      }
      events.push(result.event);
    } else {
      const batch = await this.#batchFields(value, route, rawText);
      batch.events.forEach((item, index) => {
        const result = usable(normalizeEvent(item, byEvent.get(index) ?? [], batch.ctx));
        if (result.ok) {
          events.push(result.event);
          return;
        }
        rejected.push({ index, reason: result.reason });
        deadLetters.push({
          reason: result.reason,
          raw: JSON.stringify(item) ?? String(item),
          batch_id: batch.ctx.batchId,
          index,
          route,
        });
      });
    }

    const result = await this.#log.append({ events, deadLetters });
    let accepted = 0;
    let first = -1;
    let last = -1;
    result.outcomes.forEach((o) => {
      if (o.duplicate) return;
      accepted++;
      if (first < 0) first = o.offset;
      last = o.offset;
    });
    this.#count(events, result.outcomes.map((o) => o.duplicate), deadLetters.length);
    const answer: Mutable<IngestAnswer> = {
      status: "ok",
      accepted,
      duplicates: events.length - accepted,
      offsets: first < 0 ? [] : [first, last],
    };
    if (rejected.length > 0) {
      answer.dead_lettered = rejected.map((r, i) => ({
        ...r,
        dead_letter: result.deadLetterSeqs[i],
      }));
    }
    if (repairs.length > 0) answer.repairs = repairs.length;
    return answer;
  }

  /** The events array and batch-level fields, or the 4xx for a body that is no batch. */
  async #batchFields(
    value: unknown,
    route: string,
    rawText: () => string,
  ): Promise<{ events: unknown[]; ctx: BatchContext }> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const reason = `Cannot ingest batch: the body is ${describe(value)}, not a JSON object`;
      throw await this.#refuseBody(rawText(), route, reason);
    }
    const batch = value as Record<string, unknown>;
    if (isEmptyObject(batch.events)) batch.events = []; // the mod writes every empty list as {}
    if (!Array.isArray(batch.events)) {
      const reason = batch.events === undefined
        ? 'Cannot ingest batch: the body has no "events" array'
        : `Cannot ingest batch: "events" is ${describe(batch.events)}, not an array`;
      throw await this.#refuseBody(rawText(), route, reason);
    }
    const max = this.#limits.maxBatchEvents;
    if (batch.events.length > max) {
      throw new BusError(
        "too_large",
        `Cannot ingest batch: it has ${batch.events.length} events; the limit is ${max}`,
        { details: [{ events: batch.events.length, limit: max }] },
      );
    }
    const maxChars = this.#limits.maxFieldChars;
    const batchId = typeof batch.batch_id === "string" && batch.batch_id.length <= maxChars
      ? batch.batch_id
      : undefined;
    const source = typeof batch.source === "string" ? batch.source : undefined;
    return { events: batch.events, ctx: { batchId, source, maxFieldChars: maxChars } };
  }

  /** Keeps an unusable body in the dead-letter store, then returns the 400 to throw. */
  async #refuseBody(
    raw: string,
    route: string,
    reason: string,
    encoding?: "base64",
  ): Promise<BusError> {
    const { deadLetterSeqs } = await this.#log.append({
      events: [],
      deadLetters: [encoding ? { reason, raw, route, encoding } : { reason, raw, route }],
    });
    this.#observer?.counted("dead_lettered", "none", 1);
    return new BusError("malformed", reason, {
      details: [{ dead_letter: deadLetterSeqs[0] }],
    });
  }

  #count(events: readonly NewEvent[], duplicate: readonly boolean[], deadLettered: number): void {
    const obs = this.#observer;
    if (!obs) return;
    const tally = new Map<string, [number, number]>();
    events.forEach((ev, i) => {
      const label = typeLabel(ev.type);
      const t = tally.get(label) ?? [0, 0];
      t[duplicate[i] ? 1 : 0]++;
      tally.set(label, t);
    });
    for (const [label, [stored, dups]] of tally) {
      obs.counted("received", label, stored + dups);
      if (stored) obs.counted("stored", label, stored);
      if (dups) obs.counted("duplicate", label, dups);
    }
    if (deadLettered) {
      obs.counted("received", "none", deadLettered);
      obs.counted("dead_lettered", "none", deadLettered);
    }
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.keys(value).length === 0;
}

/** Metric label of a type: the mod's types by name, anything else "other" (bounded labels). */
function typeLabel(type: string): string {
  const upper = type.toUpperCase();
  return KNOWN_TYPES.has(upper) ? upper : "other";
}

/** Repairs by event index, with paths made relative to the event (`payload.new_chips`). */
function groupRepairs(repairs: readonly Repair[], shape: Shape): Map<number, EventRepair[]> {
  const out = new Map<number, EventRepair[]>();
  for (const r of repairs) {
    let index = 0;
    let path = r.path;
    if (shape === "batch") {
      if (path[0] !== "events" || typeof path[1] !== "number") continue; // batch-level field
      index = path[1];
      path = path.slice(2);
    }
    const list = out.get(index) ?? [];
    list.push({
      path: formatPath(path),
      kind: r.kind,
      original: r.original,
      replacement: r.replacement,
    });
    out.set(index, list);
  }
  return out;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (s, seg) => typeof seg === "number" ? `${s}[${seg}]` : s === "" ? seg : `${s}.${seg}`,
    "",
  );
}
