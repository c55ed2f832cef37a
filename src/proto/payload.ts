// Which typed payload message belongs to which event type and subtype, and the conversion of one
// payload between JSON and that message. Pure: no I/O.

import type { DescMessage, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Envelope } from "../gen/jimbot/events/v1/envelope_pb.ts";
import {
  CardsDiscardedPayloadSchema,
  ConnectionTestPayloadSchema,
  DiagnosticPayloadSchema,
  ErrorPayloadSchema,
  GameStatePayloadSchema,
  HandPlayedPayloadSchema,
  HeartbeatPayloadSchema,
  JokersChangedPayloadSchema,
  JokerTriggerPayloadSchema,
  LearningDecisionRequestPayloadSchema,
  MoneyChangedPayloadSchema,
  PhaseChangedPayloadSchema,
  RoundChangedPayloadSchema,
  RoundCompletePayloadSchema,
  ScoreChangedPayloadSchema,
  ScoringChipsUpdatePayloadSchema,
  ScoringHandEvalCompletePayloadSchema,
  ScoringHandEvalStartPayloadSchema,
  ScoringJokerTriggerPayloadSchema,
  ScoringMultUpdatePayloadSchema,
  ScoringScoreUpdatePayloadSchema,
} from "../gen/jimbot/events/v1/payloads_pb.ts";
import { isJsonObject, jsonToMessage, messageToJson, setOwn } from "./_json_message.ts";

/** The payload oneof shared by `Envelope` and `Event` (same cases, same field numbers). */
export type PayloadOneof = Envelope["payload"];

/** A typed payload case (every case but `rawPayload`). */
export type TypedPayloadCase = Exclude<PayloadOneof["case"], "rawPayload" | undefined>;

/** Payload message per case. */
export const PAYLOAD_SCHEMAS: Readonly<Record<TypedPayloadCase, DescMessage>> = {
  gameState: GameStatePayloadSchema,
  heartbeat: HeartbeatPayloadSchema,
  moneyChanged: MoneyChangedPayloadSchema,
  scoreChanged: ScoreChangedPayloadSchema,
  handPlayed: HandPlayedPayloadSchema,
  cardsDiscarded: CardsDiscardedPayloadSchema,
  jokersChanged: JokersChangedPayloadSchema,
  roundChanged: RoundChangedPayloadSchema,
  phaseChanged: PhaseChangedPayloadSchema,
  roundComplete: RoundCompletePayloadSchema,
  jokerTrigger: JokerTriggerPayloadSchema,
  scoringHandEvalStart: ScoringHandEvalStartPayloadSchema,
  scoringJokerTrigger: ScoringJokerTriggerPayloadSchema,
  scoringScoreUpdate: ScoringScoreUpdatePayloadSchema,
  scoringHandEvalComplete: ScoringHandEvalCompletePayloadSchema,
  scoringMultUpdate: ScoringMultUpdatePayloadSchema,
  scoringChipsUpdate: ScoringChipsUpdatePayloadSchema,
  connectionTest: ConnectionTestPayloadSchema,
  learningDecisionRequest: LearningDecisionRequestPayloadSchema,
  error: ErrorPayloadSchema,
  diagnostic: DiagnosticPayloadSchema,
};

// Keyed by the upper-cased type, as routing is (docs/mod-protocol.md#topic-routing), so the
// lowercase probe `connection_test` gets its typed payload too.
const BY_TYPE: ReadonlyMap<string, TypedPayloadCase> = new Map([
  ["GAME_STATE", "gameState"],
  ["HEARTBEAT", "heartbeat"],
  ["MONEY_CHANGED", "moneyChanged"],
  ["SCORE_CHANGED", "scoreChanged"],
  ["HAND_PLAYED", "handPlayed"],
  ["CARDS_DISCARDED", "cardsDiscarded"],
  ["JOKERS_CHANGED", "jokersChanged"],
  ["ROUND_CHANGED", "roundChanged"],
  ["PHASE_CHANGED", "phaseChanged"],
  ["ROUND_COMPLETE", "roundComplete"],
  ["JOKER_TRIGGER", "jokerTrigger"],
  ["CONNECTION_TEST", "connectionTest"],
  ["ERROR", "error"],
  ["DIAGNOSTIC", "diagnostic"],
]);

// Types whose payload depends on the upper-cased subtype.
const BY_SUBTYPE: ReadonlyMap<string, ReadonlyMap<string, TypedPayloadCase>> = new Map([
  [
    "SCORING",
    new Map<string, TypedPayloadCase>([
      ["HAND_EVAL_START", "scoringHandEvalStart"],
      ["JOKER_TRIGGER", "scoringJokerTrigger"],
      ["SCORE_UPDATE", "scoringScoreUpdate"],
      ["HAND_EVAL_COMPLETE", "scoringHandEvalComplete"],
      ["MULT_UPDATE", "scoringMultUpdate"],
      ["CHIPS_UPDATE", "scoringChipsUpdate"],
    ]),
  ],
  [
    "LEARNING_DECISION",
    new Map<string, TypedPayloadCase>([["REQUEST", "learningDecisionRequest"]]),
  ],
]);

/**
 * The typed payload case for an event type and subtype, or undefined when the schema has no
 * typed message for it (the payload is then carried as `rawPayload`).
 *
 * @example
 * ```ts
 * payloadCaseFor("SCORING", "HAND_EVAL_START"); // "scoringHandEvalStart"
 * payloadCaseFor("connection_test"); // "connectionTest"
 * payloadCaseFor("TEST_EVENT"); // undefined
 * ```
 */
export function payloadCaseFor(type: string, subtype?: string): TypedPayloadCase | undefined {
  const upper = type.toUpperCase();
  const bySubtype = BY_SUBTYPE.get(upper);
  if (bySubtype) return subtype === undefined ? undefined : bySubtype.get(subtype.toUpperCase());
  return BY_TYPE.get(upper);
}

/**
 * Converts a JSON payload to the payload oneof: the typed message for the type when the payload
 * is a JSON object, else `rawPayload` (any JSON value, kept exactly).
 */
export function payloadToMessage(
  type: string,
  subtype: string | undefined,
  payload: JsonValue,
): PayloadOneof {
  const typed = isJsonObject(payload) ? payloadCaseFor(type, subtype) : undefined;
  if (typed === undefined) {
    return { case: "rawPayload", value: fromJson(ValueSchema, payload) };
  }
  return {
    case: typed,
    value: jsonToMessage(PAYLOAD_SCHEMAS[typed], payload as JsonObject),
  } as PayloadOneof;
}

/** Converts the payload oneof back to JSON; undefined when no payload is set. */
export function payloadToJson(payload: PayloadOneof): JsonValue | undefined {
  if (payload.case === undefined) return undefined;
  if (payload.case === "rawPayload") return toJson(ValueSchema, payload.value);
  return messageToJson(
    PAYLOAD_SCHEMAS[payload.case],
    payload.value as unknown as Record<string, unknown>,
  );
}

const PAYLOAD_KEY = "payload";
const SKIP_PAYLOAD: ReadonlySet<string> = new Set([PAYLOAD_KEY]);

/**
 * An event-shaped message (`Event`, `Envelope`) from its JSON: `payload` as the typed payload for
 * the event's `type`/`subtype`, every other key by `schema`.
 */
export function eventLikeToMessage<T>(schema: DescMessage, json: JsonObject): T {
  const message = jsonToMessage(schema, json, { skip: SKIP_PAYLOAD }) as Record<string, unknown>;
  if (Object.hasOwn(json, PAYLOAD_KEY)) {
    const type = typeof json.type === "string" ? json.type : "";
    const subtype = typeof json.subtype === "string" ? json.subtype : undefined;
    message.payload = payloadToMessage(type, subtype, json.payload as JsonValue);
  }
  return message as T;
}

/** The JSON of an event-shaped message, its typed payload written back under `payload`. */
export function eventLikeToJson(
  schema: DescMessage,
  message: { readonly payload?: unknown },
): JsonObject {
  const json = messageToJson(schema, message as Record<string, unknown>, { skip: SKIP_PAYLOAD });
  const payload = payloadToJson(message.payload as PayloadOneof);
  if (payload !== undefined) setOwn(json, PAYLOAD_KEY, payload);
  return json;
}
