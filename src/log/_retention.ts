/**
 * Background deletion of what the retention settings no longer keep: whole blocks (with their
 * index and chunks) and dead letters. Runs beside appends; it only touches keys below the
 * oldest offset it keeps, which appends never write.
 * @module
 */
import { type DeadLetterValue, type IdxValue, KEY, keyPosition } from "./_blocks.ts";

export interface Retention {
  /** Events older than this are deleted; 0 keeps them regardless of age. */
  readonly maxAgeMs: number;
  /** Only the newest this many events are kept; 0 keeps any number. */
  readonly maxEvents: number;
}

const DELETES_PER_COMMIT = 500;

/** Deletes expired blocks and dead letters; returns the new oldest retained offset. */
export async function sweepRetention(
  kv: Deno.Kv,
  retention: Retention,
  at: { now: number; head: number; first: number },
): Promise<number> {
  const oldest = retention.maxAgeMs > 0 ? at.now - retention.maxAgeMs : -Infinity;
  const keepFrom = retention.maxEvents > 0 ? at.head - retention.maxEvents : 0;
  let first = at.first;
  if (oldest !== -Infinity || keepFrom > first) {
    let more = true;
    while (more) {
      const page = await expiredBlocks(kv, { oldest, keepFrom, head: at.head });
      if (page.blocks === 0) break;
      await deleteAll(kv, page.doomed, page.first);
      first = page.first;
      more = page.more;
    }
  }
  if (oldest !== -Infinity) {
    const doomed: Deno.KvKey[] = [];
    for await (const entry of kv.list<DeadLetterValue>({ prefix: KEY.deadLetters })) {
      if (entry.value.t >= oldest) break;
      doomed.push(entry.key);
      for await (const c of kv.list({ prefix: KEY.deadLetterChunks(keyPosition(entry.key)) })) {
        doomed.push(c.key);
      }
    }
    await deleteAll(kv, doomed, null);
  }
  return first;
}

const BLOCKS_PER_PAGE = 1_000;

/** The oldest run of expired blocks (at most a page), with every key they own. */
async function expiredBlocks(
  kv: Deno.Kv,
  limits: { oldest: number; keepFrom: number; head: number },
): Promise<{ doomed: Deno.KvKey[]; blocks: number; first: number; more: boolean }> {
  const doomed: Deno.KvKey[] = [];
  const starts: { first: number; t: number }[] = [];
  for await (const e of kv.list<IdxValue>({ prefix: KEY.idxs }, { limit: BLOCKS_PER_PAGE + 1 })) {
    starts.push({ first: keyPosition(e.key), t: e.value.t });
  }
  let blocks = 0;
  // A block ends where the next begins (the last one at the head).
  for (; blocks < Math.min(starts.length, BLOCKS_PER_PAGE); blocks++) {
    const { first, t } = starts[blocks];
    const end = starts[blocks + 1]?.first ?? limits.head;
    if (t >= limits.oldest && end > limits.keepFrom) break;
    doomed.push(KEY.block(first), KEY.idx(first));
    for await (const c of kv.list({ start: KEY.chunks(first), end: KEY.chunks(end) })) {
      doomed.push(c.key);
    }
  }
  const first = starts[blocks]?.first ?? limits.head;
  return { doomed, blocks, first, more: blocks === BLOCKS_PER_PAGE };
}

async function deleteAll(kv: Deno.Kv, keys: Deno.KvKey[], first: number | null): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETES_PER_COMMIT) {
    const op = kv.atomic();
    for (const key of keys.slice(i, i + DELETES_PER_COMMIT)) op.delete(key);
    if (first !== null && i + DELETES_PER_COMMIT >= keys.length) op.set(KEY.first, first);
    await op.commit();
  }
}
