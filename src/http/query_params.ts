/**
 * Reading integer query parameters, with the 400 that names the parameter and the range.
 * @module
 */
import { BusError } from "../errors.ts";

/** `name` from the query as an integer in [min, max]; `fallback` when absent or empty. */
export function intParam(
  url: URL,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const expected = max === Number.MAX_SAFE_INTEGER
      ? `an integer of at least ${min}`
      : `an integer from ${min} to ${max}`;
    throw new BusError("malformed", `Query parameter "${name}" must be ${expected}: got "${raw}"`, {
      details: [{ parameter: name, value: raw, min, max }],
    });
  }
  return n;
}
