/**
 * The on-disk layout of the event log in Deno KV, and the writer that packs events into it.
 *
 * Deno KV: a value holds ≤ 64 KiB, an atomic commit ≤ 1000 mutations and ≤ 800 KiB, and the
 * per-commit cost dominates, so envelopes are packed into blocks (many events per value, many
 * values per commit). Keys, all under the log's prefix ["log", ...] (keyspace.ts):
 *   ["log", "ev", first]        block: a header line then one envelope JSON line per offset
 *   ["log", "idx", first]       {t, ids}: commit time and the client event_ids of the block
 *   ["log", "big", offset, i]   chunk i of an envelope too large for a block (its line is empty)
 *   ["log", "dl", seq]          dead letter {t, line} or {t, chunks}
 *   ["log", "dlbig", seq, i]    chunk i of a large dead letter
 *   ["log", "meta", name]       head, dlhead (next offset / sequence), first (oldest retained)
 * The block's first offset (or the dead letter's sequence) is always the key's third part.
 * @module
 */
import { PREFIX } from "./keyspace.ts";

const L = PREFIX.log;

export const KEY = {
  block: (first: number): Deno.KvKey => [L, "ev", first],
  idx: (first: number): Deno.KvKey => [L, "idx", first],
  idxs: [L, "idx"] as Deno.KvKey,
  chunk: (offset: number, i: number): Deno.KvKey => [L, "big", offset, i],
  /** Chunks of one event (with offset), or from `offset` on (as a range start). */
  chunks: (offset: number): Deno.KvKey => [L, "big", offset],
  deadLetter: (seq: number): Deno.KvKey => [L, "dl", seq],
  deadLetters: [L, "dl"] as Deno.KvKey,
  deadLetterChunk: (seq: number, i: number): Deno.KvKey => [L, "dlbig", seq, i],
  deadLetterChunks: (seq: number): Deno.KvKey => [L, "dlbig", seq],
  head: [L, "meta", "head"] as Deno.KvKey,
  deadLetterHead: [L, "meta", "dlhead"] as Deno.KvKey,
  first: [L, "meta", "first"] as Deno.KvKey,
};

/** The offset or sequence number in a block, index, dead-letter or chunk key. */
export function keyPosition(key: Deno.KvKey): number {
  return key[2] as number;
}

/** Largest block or chunk value, leaving room under the 64 KiB value limit. */
export const VALUE_BYTES = 60_000;
const MAX_BLOCK_EVENTS = 512;
/** Per atomic commit: below Deno KV's 800 KiB and 1000 mutations, with room for meta keys. */
const COMMIT_BYTES = 700_000;
const COMMIT_MUTATIONS = 900;

/** The header line of a block. */
export interface BlockHeader {
  /** received_at of every event in the block (one commit). */
  readonly t: number;
  readonly topics: readonly string[];
  /** Indices of lines stored as chunks under KEY.chunk(offset, i). */
  readonly chunked?: readonly number[];
}

/** What KEY.idx(first) holds. */
export interface IdxValue {
  readonly t: number;
  /** Client event_id per offset of the block; null where the bus generated the id. */
  readonly ids: readonly (string | null)[];
}

/** What KEY.deadLetter(seq) holds. */
export interface DeadLetterValue {
  readonly t: number;
  readonly line?: Uint8Array;
  readonly chunks?: number;
}

/** One atomic commit's worth of writes, and the log positions it makes durable. */
export interface CommitUnit {
  readonly sets: [Deno.KvKey, unknown][];
  /** Next offset once this unit is committed (all events below it are durable). */
  readonly head: number;
  readonly deadLetterHead: number;
  readonly events: number;
  readonly bytes: number;
}

const encoder = new TextEncoder();
const NEWLINE = 0x0a;

/** Bytes of a block header without its topics: {"t":…,"topics":[],"chunked":[]} and newline. */
const HEADER_BASE_BYTES = 64;

/** Packs envelope lines and dead letters into blocks, and blocks into commit units. */
export class BlockWriter {
  readonly #units: CommitUnit[] = [];
  #sets: [Deno.KvKey, unknown][] = [];
  #unitBytes = 0;
  #unitEvents = 0;
  #head: number;
  #deadLetterHead: number;
  // the open block: lines encoded straight into one buffer, newline-separated
  #blockFirst: number;
  readonly #buffer: Uint8Array;
  #used = 0;
  #topics: string[] = [];
  #ids: (string | null)[] = [];
  #chunked: number[] = [];
  #headerBytes = HEADER_BASE_BYTES;

  /**
   * `scratch` (VALUE_BYTES long) holds the open block; the log passes the same one to every
   * writer, since rounds run one at a time, so no round allocates a 60 KB buffer.
   */
  constructor(
    head: number,
    deadLetterHead: number,
    readonly receivedAt: number,
    scratch: Uint8Array = new Uint8Array(VALUE_BYTES),
  ) {
    this.#buffer = scratch;
    this.#head = head;
    this.#blockFirst = head;
    this.#deadLetterHead = deadLetterHead;
  }

  /** The offset the next added event gets. */
  get nextOffset(): number {
    return this.#blockFirst + this.#topics.length;
  }

  get nextDeadLetterSeq(): number {
    return this.#deadLetterHead;
  }

  /** Adds one envelope line (JSON, no newline) at `nextOffset`. */
  addEvent(line: string, topic: string, clientId: string | null): void {
    const topicBytes = utf8Length(topic) + 3; // "topic",
    if (this.#topics.length < MAX_BLOCK_EVENTS && this.#tryAppend(line, topicBytes)) {
      this.#record(topic, clientId, topicBytes);
      return;
    }
    this.#sealBlock();
    if (this.#tryAppend(line, topicBytes)) {
      this.#record(topic, clientId, topicBytes);
      return;
    }
    // Larger than any block: the line goes to chunks, the block keeps an empty line for it.
    const offset = this.nextOffset;
    this.#writeChunks(encoder.encode(line), (i) => KEY.chunk(offset, i));
    this.#chunked.push(this.#topics.length);
    this.#tryAppend("", topicBytes + 6);
    this.#record(topic, clientId, topicBytes + 6);
  }

  /** Adds a dead letter (one JSON line) at `nextDeadLetterSeq`. */
  addDeadLetter(line: string): void {
    const seq = this.#deadLetterHead;
    const bytes = encoder.encode(line);
    if (bytes.length > VALUE_BYTES) {
      const chunks = this.#writeChunks(bytes, (i) => KEY.deadLetterChunk(seq, i));
      this.#set(KEY.deadLetter(seq), { t: this.receivedAt, chunks }, 64);
    } else {
      this.#set(KEY.deadLetter(seq), { t: this.receivedAt, line: bytes }, bytes.length + 32);
    }
    // Advanced only now: a unit closed while chunks were written must not claim this one.
    this.#deadLetterHead = seq + 1;
  }

  /** Seals what is open and returns the commits to run, in order. */
  finish(): CommitUnit[] {
    this.#sealBlock();
    this.#closeUnit();
    return this.#units;
  }

  /** Encodes `line` after the open block's lines if it fits with the header; false if not. */
  #tryAppend(line: string, topicBytes: number): boolean {
    const start = this.#topics.length > 0 ? this.#used + 1 : 0;
    const limit = VALUE_BYTES - this.#headerBytes - topicBytes;
    if (limit - start < line.length) return false; // too long even as ASCII
    const { read, written } = encoder.encodeInto(line, this.#buffer.subarray(start, limit));
    if (read < line.length) return false;
    if (start > 0) this.#buffer[this.#used] = NEWLINE;
    this.#used = start + written;
    return true;
  }

  #record(topic: string, clientId: string | null, topicBytes: number): void {
    this.#topics.push(topic);
    this.#ids.push(clientId);
    this.#headerBytes += topicBytes;
  }

  #writeChunks(bytes: Uint8Array, key: (i: number) => Deno.KvKey): number {
    let i = 0;
    for (let at = 0; at < bytes.length; at += VALUE_BYTES, i++) {
      const chunk = bytes.subarray(at, at + VALUE_BYTES);
      this.#set(key(i), chunk, chunk.length + 32);
    }
    return i;
  }

  #sealBlock(): void {
    const count = this.#topics.length;
    if (count === 0) return;
    const header: BlockHeader = this.#chunked.length
      ? { t: this.receivedAt, topics: this.#topics, chunked: this.#chunked }
      : { t: this.receivedAt, topics: this.#topics };
    const headerBytes = encoder.encode(JSON.stringify(header));
    const value = new Uint8Array(headerBytes.length + 1 + this.#used);
    value.set(headerBytes, 0);
    value[headerBytes.length] = NEWLINE;
    value.set(this.#buffer.subarray(0, this.#used), headerBytes.length + 1);
    const idx: IdxValue = { t: this.receivedAt, ids: this.#ids };
    const idsBytes = this.#ids.reduce((n, id) => n + (id?.length ?? 4) + 3, 16);
    if (this.#sets.length + 2 > COMMIT_MUTATIONS) this.#closeUnit();
    if (this.#unitBytes + value.length + idsBytes > COMMIT_BYTES) this.#closeUnit();
    this.#sets.push([KEY.block(this.#blockFirst), value], [KEY.idx(this.#blockFirst), idx]);
    this.#unitBytes += value.length + idsBytes;
    this.#unitEvents += count;
    this.#blockFirst += count;
    this.#head = this.#blockFirst;
    this.#used = 0;
    this.#topics = [];
    this.#ids = [];
    this.#chunked = [];
    this.#headerBytes = HEADER_BASE_BYTES;
  }

  #set(key: Deno.KvKey, value: unknown, bytes: number): void {
    if (this.#sets.length + 1 > COMMIT_MUTATIONS || this.#unitBytes + bytes > COMMIT_BYTES) {
      this.#closeUnit();
    }
    this.#sets.push([key, value]);
    this.#unitBytes += bytes;
  }

  #closeUnit(): void {
    if (this.#sets.length === 0) return;
    this.#units.push({
      sets: this.#sets,
      head: this.#head,
      deadLetterHead: this.#deadLetterHead,
      events: this.#unitEvents,
      bytes: this.#unitBytes,
    });
    this.#sets = [];
    this.#unitBytes = 0;
    this.#unitEvents = 0;
  }
}

/** UTF-8 length of a (short) string without encoding it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const decoder = new TextDecoder();

/** A block read back: its header and the envelope lines ("" where chunked). */
export function decodeBlock(value: Uint8Array): { header: BlockHeader; lines: string[] } {
  const parts = decoder.decode(value).split("\n");
  return { header: JSON.parse(parts[0]) as BlockHeader, lines: parts.slice(1) };
}
