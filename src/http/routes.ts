/**
 * The REST surface on one screen: the mod's routes (docs/mod-protocol.md#endpoints), the read API,
 * the command queue and operations. Ingest and read speak JSON and, on request, protobuf
 * (proto/jimbot/events/v1).
 * @module
 */
import { BusError } from "../errors.ts";
import { commandLines } from "../commands/mod.ts";
import { parseLenientJson } from "../ingest/mod.ts";
import { compileTopicPatterns, type TopicMatcher } from "../log/mod.ts";
import {
  decodeBatch,
  decodeEvent,
  encodeEnvelope,
  encodeEnvelopeDelimited,
  encodeIngestResponse,
  PROTOBUF_MEDIA_TYPE,
} from "../proto/mod.ts";
import { json, ndjson, streamResponse } from "./responses.ts";
import { intParam } from "./query_params.ts";
import type { Route, RouteContext } from "./route.ts";

export const routes: readonly Route[] = [
  { method: "POST", path: "/api/v1/events", handle: (ctx) => ingestRoute(ctx, "single") },
  { method: "GET", path: "/api/v1/events", handle: getEvents },
  { method: "POST", path: "/api/v1/events/batch", handle: (ctx) => ingestRoute(ctx, "batch") },
  { method: "POST", path: "/api/v1/events/health", handle: () => json(200, { status: "ok" }) },
  { method: "GET", path: "/api/v1/events/{offset}", handle: getEvent },
  { method: "GET", path: "/api/v1/deadletter", handle: getDeadLetters },
  { method: "POST", path: "/api/v1/commands", handle: postCommands },
  { method: "GET", path: "/api/v1/commands/poll", handle: pollCommands },
  { method: "GET", path: "/health", handle: health },
  { method: "GET", path: "/ready", handle: ready },
  { method: "GET", path: "/metrics", handle: metrics },
];

const READ_LIMIT_DEFAULT = 100;
const READ_LIMIT_MAX = 100_000;
const POLL_MAX_COMMANDS = 1_000;

/** JSON as the mod sends it, or protobuf (`Event` / `EventBatch`); answered as Accept asks. */
async function ingestRoute(
  { req, url, deps }: RouteContext,
  shape: "single" | "batch",
): Promise<Response> {
  const route = url.pathname;
  const { body, protobuf } = await ingestBody(req, deps);
  const answer = await acceptBody(deps.ingest, body, protobuf, shape, route);
  if (!wantsProtobuf(req)) return json(200, answer);
  return protobufResponse(encodeIngestResponse(answer));
}

async function acceptBody(
  ingest: RouteContext["deps"]["ingest"],
  body: Uint8Array,
  protobuf: boolean,
  shape: "single" | "batch",
  route: string,
) {
  if (!protobuf) {
    return shape === "batch" ? ingest.acceptBatch(body, route) : ingest.acceptEvent(body, route);
  }
  let decoded;
  try {
    decoded = shape === "batch" ? decodeBatch(body) : decodeEvent(body);
  } catch (err) {
    const what = shape === "batch" ? "EventBatch" : "Event";
    const reason = `Cannot decode protobuf ${what}: ${(err as Error).message}`;
    throw await ingest.refuseUndecodable(body, route, reason);
  }
  return shape === "batch"
    ? ingest.acceptBatchObject(decoded, route)
    : ingest.acceptEventObject(decoded, route);
}

/** NDJSON of stored envelopes, or size-delimited protobuf `Envelope`s. */
function getEvents({ req, url, deps }: RouteContext): Response {
  const from = intParam(url, "from", 0);
  const limit = Math.min(intParam(url, "limit", READ_LIMIT_DEFAULT), READ_LIMIT_MAX);
  const topics = topicParam(url);
  const { first, head } = deps.log.bounds();
  const headers = { "x-log-first": String(first), "x-log-head": String(head) };
  const events = deps.log.read(from, { limit, topics });
  if (wantsProtobuf(req)) {
    const records = mapAsync(events, (e) => encodeEnvelopeDelimited(JSON.parse(e.json)));
    return streamResponse(records, PROTOBUF_MEDIA_TYPE, headers);
  }
  return ndjson(mapAsync(events, (e) => e.json), headers);
}

async function getEvent({ req, params, deps }: RouteContext): Promise<Response> {
  const raw = params.offset;
  if (!/^\d+$/.test(raw)) {
    throw new BusError("malformed", `The offset must be a non-negative integer: got "${raw}"`);
  }
  const offset = Number(raw);
  for await (const e of deps.log.read(offset, { limit: 1 })) {
    if (e.offset !== offset) break;
    if (wantsProtobuf(req)) return protobufResponse(encodeEnvelope(JSON.parse(e.json)));
    return new Response(e.json, { headers: { "content-type": "application/json; charset=utf-8" } });
  }
  const { first, head } = deps.log.bounds();
  const holds = head > first
    ? `the log holds offsets ${first} to ${head - 1}`
    : head === 0
    ? "the log is empty: nothing has been posted yet"
    : `the log holds no events (all up to offset ${head - 1} were deleted by retention)`;
  throw new BusError("not_found", `No event at offset ${offset}; ${holds}`, {
    details: [{ offset, first, head }],
  });
}

function getDeadLetters({ url, deps }: RouteContext): Response {
  const from = intParam(url, "from", 0);
  const limit = Math.min(intParam(url, "limit", READ_LIMIT_DEFAULT), READ_LIMIT_MAX);
  return ndjson(deps.log.readDeadLetters(from, limit));
}

async function postCommands({ req, deps }: RouteContext): Promise<Response> {
  const bytes = await jsonBody(req, deps);
  let body: unknown;
  try {
    body = parseLenientJson(bytes, deps.limits.maxJsonDepth).value;
  } catch (err) {
    throw new BusError("malformed", `Cannot parse commands: ${(err as Error).message}`);
  }
  const lines = commandLines(body, deps.limits.maxCommandsPerRequest);
  await deps.commands.enqueue(lines);
  return json(200, { status: "ok", queued: lines.length, commands: lines });
}

/** The mod's poll: plain text, one command per line, empty when none; never held open. */
async function pollCommands({ deps }: RouteContext): Promise<Response> {
  const lines = await deps.commands.take(POLL_MAX_COMMANDS);
  const body = lines.length ? lines.join("\n") + "\n" : "";
  return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
}

function health({ deps }: RouteContext): Response {
  const { first, head } = deps.log.bounds();
  return json(200, {
    status: "healthy",
    version: deps.version,
    uptime_seconds: Math.floor((performance.now() - deps.startedAtMs) / 1000),
    log_head: head,
    log_first: first,
    metadata: { service: "jimbot-bus", protocol_version: "1.0" },
  });
}

function ready({ deps }: RouteContext): Response {
  if (!deps.isReady()) {
    throw new BusError("not_ready", "The bus is starting or shutting down", { retryAfterS: 1 });
  }
  return json(200, { status: "ready" });
}

async function metrics({ deps }: RouteContext): Promise<Response> {
  return new Response(await deps.metricsText(), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
  });
}

// ---- helpers shared by the handlers above ----

const JSON_TYPES = /^(application\/(json|[\w.+-]+\+json)|text\/plain)$/;
const PROTOBUF_TYPES = new Set([PROTOBUF_MEDIA_TYPE, "application/protobuf"]);

function mediaType(header: string | null): string {
  return header?.split(";")[0].trim().toLowerCase() ?? "";
}

/** True when the client asks for protobuf answers. */
function wantsProtobuf(req: Request): boolean {
  const accept = req.headers.get("accept") ?? "";
  return accept.split(",").some((part) => PROTOBUF_TYPES.has(mediaType(part)));
}

/** An ingest body: JSON (also text/plain or no type, as some clients send) or protobuf. */
async function ingestBody(
  req: Request,
  deps: RouteContext["deps"],
): Promise<{ body: Uint8Array; protobuf: boolean }> {
  const protobuf = PROTOBUF_TYPES.has(mediaType(req.headers.get("content-type")));
  const body = protobuf ? await deps.bodies.read(req) : await jsonBody(req, deps);
  if (body.length === 0 && protobuf) {
    throw new BusError("malformed", "The request body is empty; send a protobuf message");
  }
  return { body, protobuf };
}

/** The body of a JSON POST, refusing other media types (the mod sends application/json). */
async function jsonBody(req: Request, deps: RouteContext["deps"]): Promise<Uint8Array> {
  const type = mediaType(req.headers.get("content-type"));
  if (type && !JSON_TYPES.test(type)) {
    throw new BusError(
      "unsupported_media_type",
      `Content-Type ${type} is not accepted here; send application/json or ${PROTOBUF_MEDIA_TYPE}`,
      { details: [{ content_type: type, accepted: ["application/json", PROTOBUF_MEDIA_TYPE] }] },
    );
  }
  const body = await deps.bodies.read(req);
  if (body.length === 0) {
    throw new BusError("malformed", "The request body is empty; send a JSON object");
  }
  return body;
}

function protobufResponse(bytes: Uint8Array<ArrayBuffer>): Response {
  return new Response(bytes, { headers: { "content-type": PROTOBUF_MEDIA_TYPE } });
}

function topicParam(url: URL): TopicMatcher | undefined {
  const raw = url.searchParams.get("topic");
  if (raw === null || raw === "") return undefined;
  try {
    return compileTopicPatterns(raw);
  } catch (err) {
    throw new BusError("malformed", (err as Error).message, { details: [{ topic: raw }] });
  }
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, f: (t: T) => U): AsyncIterable<U> {
  for await (const item of items) yield f(item);
}
