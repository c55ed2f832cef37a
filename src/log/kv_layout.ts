/**
 * The layout version of a KV file, and the conversion of files written before the keyspace had
 * one prefix per owner (layout 1: ["ev", …], ["meta", "head"], ["cmd", seq], ["group", name,
 * "offset"], ["bus", "topics"], …). Conversion copies every key to its new place, then marks the
 * file as layout 2, then deletes the old keys: a crash at any point leaves a file the next start
 * converts or cleans up again, and nothing is lost.
 * @module
 */
import { StartupError } from "../errors.ts";
import { LAYOUT_VERSION, PREFIX } from "./keyspace.ts";

const LAYOUT: Deno.KvKey = [PREFIX.layout];

/** Layout-1 top-level prefixes, and where each key goes (null: dropped, derived again). */
const LEGACY: Readonly<Record<string, (key: Deno.KvKey) => Deno.KvKey | null>> = {
  ev: (k) => [PREFIX.log, ...k],
  idx: (k) => [PREFIX.log, ...k],
  big: (k) => [PREFIX.log, ...k],
  dl: (k) => [PREFIX.log, ...k],
  dlbig: (k) => [PREFIX.log, ...k],
  meta: (k) => k[1] === "cmdhead" ? [PREFIX.commands, "next"] : [PREFIX.log, ...k],
  cmd: (k) => [PREFIX.commands, "q", k[1]],
  group: (k) => k[2] === "offset" ? [PREFIX.groups, k[1]] : null,
  bus: () => null, // the old topic index: recounted from the log
};

/** Below Deno KV's 1000 mutations and 800 KiB per atomic commit (a value is ≤ 64 KiB). */
const MUTATIONS_PER_COMMIT = 500;
const BYTES_PER_COMMIT = 600_000;

/**
 * Makes the file layout 2: marks an empty file, converts a layout-1 file, finishes an
 * interrupted conversion. Returns the number of keys converted (0 when there was nothing to do).
 * @throws {StartupError} for a file written by a newer version
 */
export async function ensureLayout(kv: Deno.Kv): Promise<number> {
  const version = (await kv.get<number>(LAYOUT)).value;
  if (version !== null && version > LAYOUT_VERSION) {
    throw new StartupError(
      `Cannot start: the data dir was written by a newer JimBot Bus (storage layout ${version}, ` +
        `this one reads ${LAYOUT_VERSION}); use that version or another --data-dir`,
      1,
    );
  }
  let converted = 0;
  if (version === null) {
    converted = await copyLegacy(kv);
    await kv.set(LAYOUT, LAYOUT_VERSION);
  }
  await deleteLegacy(kv);
  return converted;
}

async function copyLegacy(kv: Deno.Kv): Promise<number> {
  let copied = 0;
  let op = kv.atomic();
  let mutations = 0;
  let bytes = 0;
  const flush = async () => {
    if (mutations === 0) return;
    if (!(await op.commit()).ok) throw new Error("Deno KV refused a commit of the conversion");
    op = kv.atomic();
    mutations = bytes = 0;
  };
  for (const [prefix, target] of Object.entries(LEGACY)) {
    for await (const e of kv.list({ prefix: [prefix] })) {
      const to = target(e.key);
      if (to === null) continue;
      const size = approximateBytes(e.value);
      if (mutations >= MUTATIONS_PER_COMMIT || bytes + size > BYTES_PER_COMMIT) await flush();
      op.set(to, e.value);
      mutations++;
      bytes += size;
      copied++;
    }
  }
  await flush();
  return copied;
}

async function deleteLegacy(kv: Deno.Kv): Promise<void> {
  for (const prefix of Object.keys(LEGACY)) {
    let keys: Deno.KvKey[] = [];
    do {
      keys = [];
      for await (const e of kv.list({ prefix: [prefix] }, { limit: MUTATIONS_PER_COMMIT })) {
        keys.push(e.key);
      }
      const op = kv.atomic();
      for (const key of keys) op.delete(key);
      await op.commit();
    } while (keys.length > 0);
  }
}

/** A value's size, never under its stored size (JSON spells bytes out at length). */
function approximateBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  return (JSON.stringify(value) ?? "").length + 16;
}
