// Generic, descriptor-driven conversion between the mod's JSON objects and the typed messages of
// jimbot.events.v1. Private to src/proto/: the rules below are the schema's documented contract
// (proto/README.md), so every message gets the same treatment and nothing is hand-mapped.
//
// JSON → message, per key:
// - a field of the same name takes the value when its JSON type fits exactly (double: any number;
//   int32: an integer in range, not -0; uint64: a safe non-negative integer; bool; string;
//   Struct: an object; Value: anything; a message: an object; a list: a non-empty array whose
//   elements all fit; a map: a non-empty object whose values all fit);
// - a oneof named like the key takes the value in the first member whose type fits
//   (`id`: number → id_number, string → id_string);
// - everything else — unknown keys, values of another type (null after a nan repair), empty lists
//   and maps (a repeated field cannot tell `[]` from the mod's `{}` from absent) — is kept as sent
//   in the message's `unmapped` Struct.
// Message → JSON emits the typed fields, then the `unmapped` keys, so the round trip is exact.
// The one lossy rule: inside a list of numbers a numeric string ("4", as the mod quotes scalars in
// arrays) is read as the number.

import { create, type DescField, type DescMessage, type DescOneof } from "@bufbuild/protobuf";
import { fromJson, type JsonObject, type JsonValue, ScalarType, toJson } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence, ValueSchema } from "@bufbuild/protobuf/wkt";

/** The field every typed message uses for JSON its typed fields cannot state exactly. */
const UNMAPPED_FIELD = "unmapped";
// Messages whose catch-all has another name: an Event's unknown keys are the mod's extra
// top-level fields, so they go to `extras` and are written back at top level.
const CATCH_ALL_FIELD: ReadonlyMap<string, string> = new Map([[
  "jimbot.events.v1.Event",
  "extras",
]]);

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const NUMERIC_STRING = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

type Slot =
  | { readonly kind: "field"; readonly field: DescField }
  | { readonly kind: "oneof"; readonly oneof: DescOneof };

interface Plan {
  /** JSON key → where its value goes. */
  readonly slots: ReadonlyMap<string, Slot>;
  /** Members in declaration order, for output. */
  readonly members: readonly Slot[];
  readonly unmapped: DescField | undefined;
}

/** Options for {@linkcode jsonToMessage} and {@linkcode messageToJson}. */
export interface ConvertOptions {
  /** JSON keys and oneof names the caller handles itself (e.g. the envelope's `payload`). */
  readonly skip?: ReadonlySet<string>;
}

// Descriptors are immutable and few: one plan per message type, built on first use.
const plans = new WeakMap<DescMessage, Plan>();

function planFor(desc: DescMessage): Plan {
  const cached = plans.get(desc);
  if (cached) return cached;
  const slots = new Map<string, Slot>();
  const members: Slot[] = [];
  let unmapped: DescField | undefined;
  const catchAll = CATCH_ALL_FIELD.get(desc.typeName) ?? UNMAPPED_FIELD;
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const slot: Slot = { kind: "oneof", oneof: member };
      slots.set(member.name, slot);
      members.push(slot);
    } else if (member.name === catchAll && isStruct(member)) {
      unmapped = member;
    } else {
      const slot: Slot = { kind: "field", field: member };
      slots.set(member.name, slot);
      members.push(slot);
    }
  }
  const plan: Plan = { slots, members, unmapped };
  plans.set(desc, plan);
  return plan;
}

const STRUCT = "google.protobuf.Struct";
const VALUE = "google.protobuf.Value";

function isStruct(field: DescField): boolean {
  return field.fieldKind === "message" && field.message.typeName === STRUCT;
}

/** A message-typed value from JSON: Struct takes an object, Value anything, a message an object. */
function messageFromJson(desc: DescMessage, value: JsonValue): unknown {
  if (desc.typeName === STRUCT) return isJsonObject(value) ? value : undefined;
  if (desc.typeName === VALUE) return fromJson(ValueSchema, value);
  return isJsonObject(value) ? jsonToMessage(desc, value) : undefined;
}

function messageValueToJson(desc: DescMessage, value: unknown): JsonValue {
  // protobuf-es represents Struct fields as plain JSON objects already.
  if (desc.typeName === STRUCT) return value as JsonObject;
  if (desc.typeName === VALUE) return toJson(ValueSchema, value as never);
  return messageToJson(desc, value as Record<string, unknown>);
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets an own enumerable property, also for keys like "__proto__" that plain assignment mangles. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Converts a JSON value to a scalar of the given type, or undefined when it does not fit exactly. */
function scalarFromJson(type: ScalarType, value: unknown, numericStrings: boolean): unknown {
  if (numericStrings && typeof value === "string" && NUMERIC_STRING.test(value)) {
    value = Number(value);
  }
  switch (type) {
    case ScalarType.DOUBLE:
      return typeof value === "number" ? value : undefined;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number.isInteger(value) && !Object.is(value, -0) &&
          (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
        ? value
        : undefined;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number.isInteger(value) && !Object.is(value, -0) && (value as number) >= 0 &&
          (value as number) <= UINT32_MAX
        ? value
        : undefined;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return Number.isSafeInteger(value) && !Object.is(value, -0) && (value as number) >= 0
        ? BigInt(value as number)
        : undefined;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return Number.isSafeInteger(value) && !Object.is(value, -0)
        ? BigInt(value as number)
        : undefined;
    case ScalarType.BOOL:
      return typeof value === "boolean" ? value : undefined;
    case ScalarType.STRING:
      return typeof value === "string" ? value : undefined;
    default:
      // FLOAT would lose precision and BYTES has no JSON form here: never typed in this schema.
      return undefined;
  }
}

function scalarToJson(value: unknown): JsonValue {
  return typeof value === "bigint" ? Number(value) : value as JsonValue;
}

/** Converts one JSON value for a field; undefined when it does not fit (it then goes unmapped). */
function fieldFromJson(field: DescField, value: JsonValue): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFromJson(field.scalar, value, false);
    case "enum":
      return undefined; // no enums: unknown strings must never fail a reader
    case "message":
      return messageFromJson(field.message, value);
    case "list": {
      if (!Array.isArray(value) || value.length === 0) return undefined;
      const out: unknown[] = [];
      for (const item of value) {
        const converted = field.listKind === "message"
          ? messageFromJson(field.message, item)
          : field.listKind === "scalar"
          ? scalarFromJson(field.scalar, item, true)
          : undefined;
        if (converted === undefined) return undefined;
        out.push(converted);
      }
      return out;
    }
    case "map": {
      if (!isJsonObject(value)) return undefined;
      const entries = Object.entries(value);
      if (entries.length === 0 || field.mapKey !== ScalarType.STRING) return undefined;
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) {
        const converted = field.mapKind === "message"
          ? messageFromJson(field.message, item)
          : field.mapKind === "scalar"
          ? scalarFromJson(field.scalar, item, false)
          : undefined;
        if (converted === undefined) return undefined;
        setOwn(out, key, converted);
      }
      return out;
    }
  }
}

function fieldToJson(field: DescField, value: unknown): JsonValue | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return value === undefined ? undefined : scalarToJson(value);
    case "enum":
      return undefined;
    case "message":
      return value === undefined ? undefined : messageValueToJson(field.message, value);
    case "list": {
      const items = value as unknown[];
      if (items.length === 0) return undefined; // an empty list is only ever written from unmapped
      return items.map((item) =>
        field.listKind === "message" ? messageValueToJson(field.message, item) : scalarToJson(item)
      );
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) return undefined;
      const out: JsonObject = {};
      for (const [key, item] of entries) {
        setOwn(
          out,
          key,
          field.mapKind === "message"
            ? messageValueToJson(field.message, item)
            : scalarToJson(item),
        );
      }
      return out;
    }
  }
}

/**
 * Builds a message of type `desc` from a JSON object by the rules in this file's header.
 * Never throws on odd data: what does not fit is kept in `unmapped`.
 */
export function jsonToMessage(
  desc: DescMessage,
  json: JsonObject,
  options: ConvertOptions = {},
): Record<string, unknown> {
  const plan = planFor(desc);
  const message = create(desc) as unknown as Record<string, unknown>;
  let unmapped: JsonObject | undefined;
  for (const [key, value] of Object.entries(json)) {
    if (options.skip?.has(key)) continue;
    const slot = plan.slots.get(key);
    let stored = false;
    if (slot?.kind === "field") {
      const converted = fieldFromJson(slot.field, value);
      if (converted !== undefined) {
        message[slot.field.localName] = converted;
        stored = true;
      }
    } else if (slot?.kind === "oneof") {
      for (const member of slot.oneof.fields) {
        const converted = fieldFromJson(member, value);
        if (converted !== undefined) {
          message[slot.oneof.localName] = { case: member.localName, value: converted };
          stored = true;
          break;
        }
      }
    }
    if (!stored) {
      if (!plan.unmapped) {
        throw new TypeError(
          `Cannot convert "${key}" to ${desc.typeName}: it has no unmapped field`,
        );
      }
      unmapped ??= {};
      setOwn(unmapped, key, value);
    }
  }
  if (unmapped && plan.unmapped) message[plan.unmapped.localName] = unmapped;
  return message;
}

/** Writes a message of type `desc` back to the JSON object it was built from. */
export function messageToJson(
  desc: DescMessage,
  message: Record<string, unknown>,
  options: ConvertOptions = {},
): JsonObject {
  const plan = planFor(desc);
  const out: JsonObject = {};
  for (const slot of plan.members) {
    if (slot.kind === "field") {
      const { field } = slot;
      if (options.skip?.has(field.name)) continue;
      let value = message[field.localName];
      if (
        value === undefined && field.fieldKind === "scalar" &&
        field.presence === FeatureSet_FieldPresence.IMPLICIT
      ) {
        value = field.getDefaultValue() ?? zeroOf(field.scalar);
      }
      const json = fieldToJson(field, value);
      if (json !== undefined) setOwn(out, field.name, json);
    } else {
      if (options.skip?.has(slot.oneof.name)) continue;
      const selected = message[slot.oneof.localName] as { case?: string; value?: unknown };
      if (selected?.case === undefined) continue;
      const member = slot.oneof.fields.find((f) => f.localName === selected.case);
      const json = member ? fieldToJson(member, selected.value) : undefined;
      if (json !== undefined) setOwn(out, slot.oneof.name, json);
    }
  }
  const unmapped = plan.unmapped
    ? message[plan.unmapped.localName] as JsonObject | undefined
    : undefined;
  if (unmapped) {
    for (const [key, value] of Object.entries(unmapped)) {
      if (!Object.hasOwn(out, key)) setOwn(out, key, value);
    }
  }
  return out;
}

function zeroOf(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.BOOL:
      return false;
    case ScalarType.STRING:
      return "";
    case ScalarType.BYTES:
      return new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 0n;
    default:
      return 0;
  }
}
