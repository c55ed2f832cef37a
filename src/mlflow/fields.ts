/**
 * Reading request fields the way MLflow's protobuf JSON parser does (numbers may arrive as
 * strings, a GET's fields arrive as query strings) and MLflow's rules for names and values.
 * @module
 */
import { invalid, missing } from "./errors.ts";

export type Fields = Readonly<Record<string, unknown>>;

export const MAX_KEY_CHARS = 250;
export const MAX_PARAM_VALUE_CHARS = 6000;
export const MAX_TAG_VALUE_CHARS = 8000;
export const MAX_NAME_CHARS = 256;

function badType(name: string, value: unknown, expected: string) {
  return invalid(
    `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected ${expected}`,
  );
}

/** A string field; ids may also arrive as JSON numbers. */
export function optString(f: Fields, name: string): string | undefined {
  const v = f[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  throw badType(name, v, "a string");
}

export function reqString(f: Fields, name: string): string {
  const v = optString(f, name);
  if (v === undefined || v === "") throw missing(name);
  return v;
}

/** The first of several accepted names (`run_id` or the older `run_uuid`). */
export function reqStringOf(f: Fields, names: readonly string[]): string {
  for (const name of names) {
    const v = optString(f, name);
    if (v !== undefined && v !== "") return v;
  }
  throw missing(names[0]);
}

export function optInt(f: Fields, name: string): number | undefined {
  const v = f[name];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw badType(name, v, "an integer");
  return n;
}

export function reqInt(f: Fields, name: string): number {
  const n = optInt(f, name);
  if (n === undefined) throw missing(name);
  return n;
}

/** A double: a JSON number or a numeric string; must be finite. */
export function reqNumber(f: Fields, name: string): number {
  const v = f[name];
  if (v === undefined || v === null || v === "") throw missing(name);
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) throw badType(name, v, "a finite number");
  return n;
}

export function optBool(f: Fields, name: string): boolean | undefined {
  const v = f[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw badType(name, v, "a boolean");
}

/** A repeated field: an array, or (from a query string) one or more values. */
export function optList(f: Fields, name: string): unknown[] {
  const v = f[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function stringList(f: Fields, name: string): string[] {
  return optList(f, name).map((v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isInteger(v)) return String(v);
    throw badType(name, v, "a list of strings");
  });
}

/** `[{key, value}]` as MLflow sends tags; values must be strings. */
export function keyValues(f: Fields, name: string): { key: string; value: string }[] {
  return optList(f, name).map((item, i) => {
    const o = (typeof item === "object" && item !== null ? item : {}) as Fields;
    const key = optString(o, "key");
    if (key === undefined) throw missing(`${name}[${i}].key`);
    const value = optString(o, "value") ?? "";
    return { key, value };
  });
}

/**
 * MLflow's key rule: alphanumerics, `_`, `-`, `.`, space and `/`, at most 250 characters, and
 * usable as a relative path (no `..` part, not starting with `/`).
 */
export function checkKey(kind: "metric" | "param" | "tag", key: string): void {
  if (!/^[/\w.\- ]*$/.test(key) || key === "") {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  if (key.startsWith("/") || key.split("/").some((part) => part === "..")) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names must be relative paths without '..' parts.`,
    );
  }
  if (key.length > MAX_KEY_CHARS) {
    throw invalid(
      `${kind[0].toUpperCase()}${kind.slice(1)} name '${
        key.slice(0, 20)
      }…' had length ${key.length}, which exceeded length limit of ${MAX_KEY_CHARS}`,
    );
  }
}

export function checkValueLength(kind: "param" | "tag", key: string, value: string): void {
  const max = kind === "param" ? MAX_PARAM_VALUE_CHARS : MAX_TAG_VALUE_CHARS;
  if (value.length > max) {
    throw invalid(
      `${
        kind === "param" ? "Param" : "Tag"
      } value for '${key}' had length ${value.length}, which exceeded length limit of ${max}`,
    );
  }
}

/** Experiment and registered-model names: non-empty, bounded (they are keys of the store). */
export function checkName(what: string, name: string): void {
  if (name.trim() === "") throw invalid(`${what} name cannot be empty.`);
  if (name.length > MAX_NAME_CHARS) {
    throw invalid(
      `${what} name had length ${name.length}, which exceeded length limit of ${MAX_NAME_CHARS}`,
    );
  }
}

/** The `tags` field as a key → value map, every key and value checked. */
export function readTags(f: Fields): Record<string, string> {
  const tags = keyValues(f, "tags");
  for (const t of tags) {
    checkKey("tag", t.key);
    checkValueLength("tag", t.key, t.value);
  }
  return Object.fromEntries(tags.map((t) => [t.key, t.value]));
}
