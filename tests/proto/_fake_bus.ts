// A stand-in for `main.ts serve` with just the REST surface the protobuf clients use, backed by an
// in-memory log and src/proto/ for content negotiation. For developing the Python and Rust
// clients and the cross-language check where the real bus is not available; tests/proto/
// cross_language.sh uses the real bus whenever main.ts exists.
//   deno run -A tests/proto/_fake_bus.ts --port=0   → stderr {"msg":"listening","port":N}

import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import {
  decodeBatch,
  decodeEvent,
  encodeEnvelope,
  encodeEnvelopesDelimited,
  encodeIngestResponse,
  type EnvelopeJson,
  PROTOBUF_MEDIA_TYPE,
} from "../../src/proto/mod.ts";

const log: EnvelopeJson[] = [];
const seen = new Set<string>();

function topicOf(type: string, subtype: unknown): string {
  const upper = type.toUpperCase();
  if (upper === "SCORING") {
    return `game.scoring.${typeof subtype === "string" ? subtype.toLowerCase() : "unknown"}`;
  }
  const known: Record<string, string> = {
    GAME_STATE: "game.state.update",
    HEARTBEAT: "system.heartbeat",
    MONEY_CHANGED: "game.money.changed",
    SCORE_CHANGED: "game.score.changed",
    JOKERS_CHANGED: "game.jokers.changed",
    ROUND_COMPLETE: "game.round.complete",
    JOKER_TRIGGER: "game.joker.triggered",
    CONNECTION_TEST: "system.connection.test",
  };
  return known[upper] ?? `custom.${type.toLowerCase()}`;
}

const OWN_KEYS = new Set(["event_id", "type", "subtype", "source", "version", "priority"]);

function ingest(events: JsonObject[], batchId: unknown): JsonObject {
  let accepted = 0;
  let duplicates = 0;
  const first = log.length;
  for (const event of events) {
    const id = typeof event.event_id === "string" ? event.event_id : crypto.randomUUID();
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    const type = String(event.type);
    const envelope: EnvelopeJson = {
      offset: log.length,
      event_id: id,
      type,
      topic: topicOf(type, event.subtype),
      source: typeof event.source === "string" ? event.source : "unknown",
      version: event.version ?? 1,
      client_timestamp: event.timestamp ?? null,
      received_at: Date.now(),
      payload: (event.payload ?? event.data ?? {}) as JsonValue,
    };
    if (typeof event.subtype === "string") envelope.subtype = event.subtype;
    if (typeof event.priority === "string") envelope.priority = event.priority;
    if (typeof batchId === "string") envelope.batch_id = batchId;
    const extras: JsonObject = {};
    for (const [key, value] of Object.entries(event)) {
      if (OWN_KEYS.has(key) || key === "timestamp" || key === "payload") continue;
      if (key === "data" && event.payload === undefined) continue;
      extras[key] = value;
    }
    if (Object.keys(extras).length > 0) envelope.extras = extras;
    log.push(envelope);
    accepted++;
  }
  return {
    status: "ok",
    accepted,
    duplicates,
    offsets: accepted > 0 ? [first, log.length - 1] : [],
  };
}

function wantsProtobuf(req: Request): boolean {
  return (req.headers.get("accept") ?? "").includes(PROTOBUF_MEDIA_TYPE);
}

function answer(req: Request, json: JsonObject): Response {
  if (wantsProtobuf(req)) {
    return new Response(encodeIngestResponse(json), {
      headers: { "content-type": PROTOBUF_MEDIA_TYPE },
    });
  }
  return Response.json(json);
}

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const isProtobuf = (req.headers.get("content-type") ?? "").includes(PROTOBUF_MEDIA_TYPE);
  if (req.method === "POST" && url.pathname === "/api/v1/events/batch") {
    const body = isProtobuf
      ? decodeBatch(new Uint8Array(await req.arrayBuffer()))
      : JSON.parse(await req.text());
    return answer(req, ingest(body.events, body.batch_id));
  }
  if (req.method === "POST" && url.pathname === "/api/v1/events") {
    const event = isProtobuf
      ? decodeEvent(new Uint8Array(await req.arrayBuffer()))
      : JSON.parse(await req.text());
    return answer(req, ingest([event], undefined));
  }
  if (req.method === "GET" && url.pathname === "/api/v1/events") {
    const from = Number(url.searchParams.get("from") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 1000);
    const topic = url.searchParams.get("topic");
    const page = log.filter((e) => e.offset >= from && (!topic || e.topic === topic))
      .slice(0, limit);
    if (wantsProtobuf(req)) {
      return new Response(encodeEnvelopesDelimited(page), {
        headers: { "content-type": PROTOBUF_MEDIA_TYPE },
      });
    }
    return new Response(page.map((e) => JSON.stringify(e) + "\n").join(""), {
      headers: { "content-type": "application/x-ndjson" },
    });
  }
  const single = url.pathname.match(/^\/api\/v1\/events\/(\d+)$/);
  if (req.method === "GET" && single) {
    const envelope = log[Number(single[1])];
    if (!envelope) {
      return Response.json({ status: "error", error: "No such offset" }, { status: 404 });
    }
    if (wantsProtobuf(req)) {
      return new Response(encodeEnvelope(envelope), {
        headers: { "content-type": PROTOBUF_MEDIA_TYPE },
      });
    }
    return Response.json(envelope);
  }
  return Response.json({ status: "error", error: "Unknown route" }, { status: 404 });
}

const portFlag = Deno.args.find((a) => a.startsWith("--port="));
const port = portFlag ? Number(portFlag.slice("--port=".length)) : 0;
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => {
    Deno.stderr.writeSync(
      new TextEncoder().encode(JSON.stringify({ msg: "listening", port }) + "\n"),
    );
  },
}, handle);
