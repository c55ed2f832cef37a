/**
 * The EventBus service (proto/jimbot/bus/v1/event_bus.proto): thin translations between the
 * protobuf messages and the ingest and bus services that REST, WebSocket and SSE also use.
 * @module
 */
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { BusError } from "../errors.ts";
import { IDENTITY_KEY, requireScope } from "../auth/mod.ts";
import type { Bus, Start, Subscription } from "../bus/mod.ts";
import { checkGroupCommit, CreditWindow } from "../bus/mod.ts";
import type { Ingest, IngestAnswer } from "../ingest/mod.ts";
import { Channel } from "../channel.ts";
import type { StoredEvent } from "../log/mod.ts";
import { envelopeToMessage, messageToBatch } from "../proto/mod.ts";
import {
  type Delivery,
  DeliverySchema,
  EventBus,
  type PublishRequest,
  type PublishResponse,
  PublishResponseSchema,
  type StartPosition,
  type StreamRequest,
  type StreamResponse,
  StreamResponseSchema,
  type SubscribeRequest,
  type SubscribeResponse,
  SubscribeResponseSchema,
} from "../gen/jimbot/bus/v1/event_bus_pb.ts";
import type { ServiceRegistration } from "./services.ts";

export interface EventBusDeps {
  readonly ingest: Ingest;
  readonly bus: Bus;
  /** Largest credit window of one Stream call (events in flight). */
  readonly maxCredits: number;
  /** Told how many credits streams hold, for metrics. */
  readonly onCredits?: (delta: number) => void;
}

/** Most events in one response message when the client does not say. */
const DEFAULT_MAX_BATCH = 256;
const MAX_BATCH = 4_096;
const PUBLISH_ROUTE = "/jimbot.bus.v1.EventBus/Publish";
/**
 * Answers (acks, publish results) a Stream may owe before it stops reading requests: a client
 * that floods acks without reading its answers waits instead of growing the outbox.
 */
const MAX_OUTBOX = 1_024;

/** Registers EventBus on a router (add it to the list app.ts passes to rpc/). */
export function eventBusService(deps: EventBusDeps): ServiceRegistration {
  const { bus, ingest } = deps;

  async function publish(req: PublishRequest): Promise<PublishResponse> {
    if (!req.batch) throw new BusError("malformed", "Cannot publish: the request has no batch");
    return publishResponse(
      await ingest.acceptBatchObject(messageToBatch(req.batch), PUBLISH_ROUTE),
    );
  }

  async function* subscribe(
    req: SubscribeRequest,
    ctx: HandlerContext,
  ): AsyncIterable<SubscribeResponse> {
    const protocol = ctx.protocolName;
    using sub = await bus.subscribe(subscribeOptions(req, protocol));
    const max = batchSize(req.maxBatch);
    for (;;) {
      const batch = await sub.next(max, ctx.signal);
      if (batch.length === 0) return;
      yield create(SubscribeResponseSchema, { events: batch.map((e) => delivery(e, req.json)) });
      bus.delivered(protocol, batch.length);
      if (req.autoCommit && req.group !== undefined) bus.groups.ack(req.group, lastOffset(batch));
    }
  }

  /**
   * One subscription with credits and acks, plus publishing, on one bidirectional stream. Two
   * loops feed one outbox: the reader handles client messages in order; the delivery loop
   * (started by the subscribe message) sends events while the client has granted credits.
   */
  async function* stream(
    requests: AsyncIterable<StreamRequest>,
    ctx: HandlerContext,
  ): AsyncIterable<StreamResponse> {
    const protocol = ctx.protocolName;
    const identity = ctx.values.get(IDENTITY_KEY);
    const credits = new CreditWindow(deps.maxCredits);
    const outbox = new Channel<StreamResponse>();
    // Ends the delivery loop when the call ends, however it ends.
    const stop = new AbortController();
    const onAbort = () => {
      stop.abort(ctx.signal.reason);
      outbox.close();
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    let sub: Subscription | undefined;
    let subReq: SubscribeRequest | undefined;
    let held = 0; // credits counted in the metrics

    const grant = (n: number) => {
      const added = credits.grant(n);
      held += added;
      deps.onCredits?.(added);
    };
    const deliver = async (s: Subscription, req: SubscribeRequest) => {
      const max = batchSize(req.maxBatch);
      while (!stop.signal.aborted) {
        await credits.wait(stop.signal);
        const batch = await s.next(Math.min(credits.available, max), stop.signal);
        if (batch.length === 0) return outbox.close(); // the end offset is reached
        credits.spend(batch.length);
        held -= batch.length;
        deps.onCredits?.(-batch.length);
        outbox.push(create(StreamResponseSchema, {
          kind: {
            case: "events",
            value: create(SubscribeResponseSchema, {
              events: batch.map((e) => delivery(e, req.json)),
            }),
          },
        }));
        bus.delivered(protocol, batch.length);
      }
    };
    const reader = (async () => {
      for await (const r of requests) {
        // A client that sends (acks, credits) without reading its answers stops being read.
        if (!await outbox.roomFor(MAX_OUTBOX, stop.signal)) return;
        const id = r.requestId;
        switch (r.kind.case) {
          case "subscribe": {
            requireScope(identity, "read");
            if (sub) throw new BusError("malformed", "This stream already has a subscription");
            const req = subReq = r.kind.value.subscription;
            if (!req) throw new BusError("malformed", "subscribe needs a subscription");
            const opened = sub = await bus.subscribe(subscribeOptions(req, protocol));
            grant(r.kind.value.initialCredits);
            deliver(opened, req).catch((err) => {
              if (!stop.signal.aborted) outbox.fail(err);
            });
            break;
          }
          case "credit":
            grant(r.kind.value);
            break;
          case "ack": {
            const group = subReq?.group;
            if (group === undefined) {
              throw new BusError("malformed", "An ack needs a subscription with a group");
            }
            const offset = Number(r.kind.value);
            checkGroupCommit(bus.groups.all(), group, offset, bus.log.bounds());
            bus.groups.ack(group, offset);
            outbox.push(create(StreamResponseSchema, {
              requestId: id,
              kind: { case: "committed", value: r.kind.value },
            }));
            break;
          }
          case "publish": {
            requireScope(identity, "ingest");
            // Awaited: one publish at a time per stream keeps the answers bounded.
            const published = await publish(r.kind.value);
            outbox.push(create(StreamResponseSchema, {
              requestId: id,
              kind: { case: "published", value: published },
            }));
            break;
          }
          default:
            break;
        }
      }
      // The client is done sending; without a subscription there is nothing more to answer.
      if (!sub) outbox.close();
    })().catch((err) => {
      // A bad request (undecodable, out of order) ends the stream after the answers owed for
      // the requests before it: a publish stored just before the garbage is still acknowledged.
      outbox.close(err);
      stop.abort();
    });

    try {
      yield* outbox;
    } finally {
      stop.abort();
      ctx.signal.removeEventListener("abort", onAbort);
      sub?.close();
      deps.onCredits?.(-held);
      void reader;
    }
  }

  return (router: ConnectRouter) => {
    router.service(EventBus, {
      publish,
      subscribe,
      stream,
      async commitOffset(req) {
        const offset = Number(req.offset);
        checkGroupCommit(bus.groups.all(), req.group, offset, bus.log.bounds());
        await bus.groups.commit(req.group, offset);
        return {};
      },
      getOffsets(req) {
        const { first, head } = bus.log.bounds();
        const all = bus.groups.all();
        const names = req.groups.length > 0 ? req.groups : [...all.keys()].sort();
        const groups = names.flatMap((group) => {
          const committed = all.get(group);
          if (committed === undefined) return [];
          const lag = Math.max(0, head - committed - 1);
          return [{ group, committed: BigInt(committed), lag: BigInt(lag) }];
        });
        return { first: BigInt(first), head: BigInt(head), groups };
      },
      async listTopics(req) {
        return {
          topics: (await bus.topics(req.patterns)).map((t) => ({
            name: t.name,
            events: BigInt(t.events),
            lastOffset: BigInt(t.lastOffset),
          })),
        };
      },
    });
  };
}

/** A SubscribeRequest as the bus's options. */
function subscribeOptions(req: SubscribeRequest, protocol: string) {
  return {
    topics: req.topics,
    start: startOf(req.start),
    group: req.group,
    endOffset: req.endOffset === undefined ? undefined : Number(req.endOffset),
    replaySpeed: req.replaySpeed,
    protocol,
  };
}

function startOf(start: StartPosition | undefined): Start | undefined {
  switch (start?.position.case) {
    case "earliest":
      return { kind: "earliest" };
    case "latest":
      return { kind: "latest" };
    case "offset":
      return { kind: "offset", offset: Number(start.position.value) };
    case "timestampMs":
      return { kind: "time", epochMs: start.position.value };
    default:
      return undefined;
  }
}

function delivery(e: StoredEvent, json: boolean): Delivery {
  return create(DeliverySchema, {
    offset: BigInt(e.offset),
    topic: e.topic,
    receivedAt: e.receivedAt,
    body: json
      ? { case: "json", value: e.json }
      : { case: "event", value: envelopeToMessage(JSON.parse(e.json)) },
  });
}

function publishResponse(a: IngestAnswer): PublishResponse {
  return create(PublishResponseSchema, {
    accepted: BigInt(a.accepted),
    duplicates: BigInt(a.duplicates),
    firstOffset: a.offsets.length ? BigInt(a.offsets[0]) : undefined,
    lastOffset: a.offsets.length ? BigInt(a.offsets[1]) : undefined,
    deadLettered: (a.dead_lettered ?? []).map((d) => ({
      index: d.index,
      reason: d.reason,
      deadLetter: BigInt(d.dead_letter),
    })),
    repairs: a.repairs ?? 0,
  });
}

function batchSize(asked: number): number {
  return asked > 0 ? Math.min(asked, MAX_BATCH) : DEFAULT_MAX_BATCH;
}

function lastOffset(batch: readonly StoredEvent[]): number {
  return batch[batch.length - 1].offset;
}
