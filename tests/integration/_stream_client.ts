/**
 * Test kit for the EventBus: a real Connect client over HTTP/2 (connect-node), helpers to
 * publish mod-shaped events and to collect deliveries.
 * @module
 */
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type Delivery,
  EventBus,
  SubscribeRequestSchema,
} from "../../src/gen/jimbot/bus/v1/event_bus_pb.ts";
import { batchToMessage } from "../../src/proto/mod.ts";
import type { JsonObject } from "@bufbuild/protobuf";

export type BusClient = Client<typeof EventBus>;

/** A running bus as the clients need it: its ports and the test's admin token. */
export interface BusAddress {
  readonly port: number;
  readonly grpcPort: number;
  readonly token: string;
}

/** Sends the test's bearer token on every call. */
export function bearer(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** Connect protocol over HTTP/2 cleartext on the main port. */
export function connectClient(bus: BusAddress): BusClient {
  return createClient(
    EventBus,
    createConnectTransport({
      baseUrl: `http://127.0.0.1:${bus.port}`,
      httpVersion: "2",
      interceptors: [bearer(bus.token)],
    }),
  );
}

/** Native gRPC on the gRPC port. */
export function grpcClient(bus: BusAddress): BusClient {
  return createClient(
    EventBus,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${bus.grpcPort}`,
      interceptors: [bearer(bus.token)],
    }),
  );
}

/** A mod-shaped MONEY_CHANGED (topic game.money.changed) or other typed event. */
export function modEvent(type: string, i: number, extra: JsonObject = {}): JsonObject {
  return {
    type,
    event_id: `${type.toLowerCase()}-${i}`,
    source: "test",
    timestamp: i,
    payload: { old_money: i, new_money: i + 1 },
    ...extra,
  };
}

/** Publishes a batch of mod-shaped events; returns [first, last] offsets. */
export async function publish(client: BusClient, events: JsonObject[]): Promise<[number, number]> {
  const res = await client.publish({ batch: batchToMessage({ events }) });
  return [Number(res.firstOffset ?? -1n), Number(res.lastOffset ?? -1n)];
}

/** Subscribes and collects `count` deliveries, then cancels. */
export async function collect(
  client: BusClient,
  req: MessageInitShape<typeof SubscribeRequestSchema>,
  count: number,
  timeoutMs = 20_000,
): Promise<Delivery[]> {
  const ac = new AbortController();
  const timer = setTimeout(
    () => ac.abort(new Error(`collect timed out (wanted ${count})`)),
    timeoutMs,
  );
  const out: Delivery[] = [];
  try {
    const stream = client.subscribe(create(SubscribeRequestSchema, req), { signal: ac.signal });
    for await (const res of stream) {
      out.push(...res.events);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

export const EARLIEST = { position: { case: "earliest" as const, value: {} } };
export function fromOffset(offset: number) {
  return { position: { case: "offset" as const, value: BigInt(offset) } };
}
export function fromTime(ms: number) {
  return { position: { case: "timestampMs" as const, value: ms } };
}
