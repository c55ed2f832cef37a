/**
 * What a client may commit for a consumer group: an offset the log can mean (from "nothing yet",
 * first − 1, to the newest event, head − 1: the group then resumes inside [first, head]) and a
 * bounded number of groups. Called by every surface that commits or acks for a group.
 * @module
 */
import { BusError } from "../errors.ts";
import { checkGroup } from "./consumer_groups.ts";

/** Most consumer groups; a new one beyond this is refused (each costs a key and metrics). */
export const MAX_GROUPS = 1_000;

export function checkGroupCommit(
  groups: ReadonlyMap<string, number>,
  group: string,
  offset: number,
  bounds: { readonly first: number; readonly head: number },
): void {
  checkGroup(group);
  const low = bounds.first - 1;
  const high = bounds.head - 1;
  if (!Number.isSafeInteger(offset) || offset < low || offset > high) {
    throw new BusError(
      "malformed",
      `Cannot commit offset ${offset} for group "${group}": the log holds ${bounds.first} to ` +
        `${high}, so the offset must be from ${Math.max(low, 0)} to ${high}`,
      { details: [{ group, offset, first: bounds.first, head: bounds.head }] },
    );
  }
  if (!groups.has(group) && groups.size >= MAX_GROUPS) {
    throw new BusError(
      "over_limit",
      `Cannot create consumer group "${group}": ${MAX_GROUPS} groups exist already`,
      { details: [{ groups: groups.size, limit: MAX_GROUPS }] },
    );
  }
}
