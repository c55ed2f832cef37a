// Prints one digest line per stored event of the bus at $JIMBOT_URL, read as a length-delimited
// protobuf stream and decoded with the generated TypeScript types. Python
// (clients/python/jimbot_digest.py) and Rust (clients/rust, bin jimbot-digest) print the same
// format, floats as IEEE-754 bits, so tests/proto/cross_language.sh can diff the three.
//   JIMBOT_URL=http://127.0.0.1:8080 deno run -A tests/proto/digest.ts

import type { Value } from "@bufbuild/protobuf/wkt";
import {
  decodeEnvelopesDelimited,
  type Envelope,
  PROTOBUF_MEDIA_TYPE,
} from "../../src/proto/mod.ts";

function bits(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

function opt(x: number | undefined): string {
  return x === undefined ? "-" : bits(x);
}

function value(v: Value | undefined): string {
  switch (v?.kind.case) {
    case "numberValue":
      return bits(v.kind.value);
    case "stringValue":
      return `s:${v.kind.value}`;
    case "boolValue":
      return `b:${v.kind.value}`;
    case "nullValue":
      return "null";
    case "structValue":
      return "object";
    case "listValue":
      return "list";
    default:
      return "-";
  }
}

const SNAKE: Record<string, string> = {};
function snake(name: string): string {
  return SNAKE[name] ??= name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function detail(payload: Envelope["payload"]): string {
  switch (payload.case) {
    case "gameState": {
      const s = payload.value;
      const id = s.hand[0]?.id;
      const id0 = id?.case === "idNumber"
        ? bits(id.value)
        : id?.case === "idString"
        ? `s:${id.value}`
        : "-";
      return `money=${opt(s.money)} chips=${opt(s.chips)} ante=${s.ante ?? "-"} ` +
        `jokers=${s.jokers.length} hand=${s.hand.length} deck=${s.deck?.fullDeck.length ?? 0} ` +
        `id0=${id0} phase=${s.gameState ?? s.phase ?? "-"}`;
    }
    case "heartbeat":
      return `uptime=${opt(payload.value.uptime)}`;
    case "moneyChanged":
      return `new=${opt(payload.value.newValue)}`;
    case "scoreChanged":
      return `old=${opt(payload.value.oldChips)} new=${opt(payload.value.newChips)}`;
    case "jokersChanged":
      return `jokers=${payload.value.jokers.length}`;
    case "jokerTrigger": {
      const c = payload.value.contextType;
      const context = c.case === "contextTypeBool"
        ? `b:${c.value}`
        : c.case === "contextTypeString"
        ? `s:${c.value}`
        : "-";
      return `name=${payload.value.jokerName ?? ""} context=${context}`;
    }
    case "scoringHandEvalComplete":
      return `final=${opt(payload.value.finalScore)} triggers=${
        payload.value.jokerTriggers ?? "-"
      }`;
    case "connectionTest":
      return `message=${payload.value.message ?? ""}`;
    case "roundComplete":
      return `score=${opt(payload.value.score)}`;
    default:
      return "";
  }
}

/** The digest line of one envelope. */
export function digest(e: Envelope): string {
  const caseName = e.payload.case === undefined ? "-" : snake(e.payload.case);
  return [
    e.offset.toString(),
    e.eventId,
    e.type,
    e.subtype ?? "-",
    e.topic,
    value(e.clientTimestamp),
    caseName,
    detail(e.payload),
  ].join("\t");
}

if (import.meta.main) {
  const url = Deno.env.get("JIMBOT_URL");
  if (!url) throw new Error("Cannot read events: set JIMBOT_URL, e.g. http://127.0.0.1:8080");
  const token = Deno.env.get("JIMBOT_TOKEN"); // reads need the "read" scope
  const res = await fetch(`${url}/api/v1/events?from=0&limit=100000`, {
    headers: {
      accept: PROTOBUF_MEDIA_TYPE,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  if (!res.ok) throw new Error(`Cannot read events: status ${res.status}: ${await res.text()}`);
  const lines = decodeEnvelopesDelimited(new Uint8Array(await res.arrayBuffer())).map(digest);
  await Deno.stdout.write(new TextEncoder().encode(lines.map((l) => l + "\n").join("")));
}
