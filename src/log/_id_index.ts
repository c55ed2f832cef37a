/**
 * The in-memory index of recently stored client event_ids, for idempotent ingest at full
 * speed: a Deno KV lookup per event would cap ingest near the KV read rate. Ids are kept as
 * 53-bit hashes with the offset of the event, 16 bytes per slot, in an open-addressing table;
 * a hit is only a candidate: the caller confirms it against the stored id.
 * @module
 */

const EMPTY = 0; // hash 0 is never produced (see idHash)

/** 53-bit hash of an event_id, never 0. */
export function idHash(id: string): number {
  // Two independent 32-bit FNV-1a style hashes, combined into a double-safe integer.
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const h = (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
  return h === EMPTY ? 1 : h;
}

/** Hash → offset, with linear probing, growth and pruning by offset. */
export class IdIndex {
  #hashes: Float64Array;
  #offsets: Float64Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1 << 12) {
    const slots = 1 << Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.#hashes = new Float64Array(slots);
    this.#offsets = new Float64Array(slots);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Offsets stored under `hash` (usually none or one). */
  lookup(hash: number): number[] {
    const found: number[] = [];
    for (let i = this.#slot(hash);; i = (i + 1) & this.#mask) {
      const h = this.#hashes[i];
      if (h === EMPTY) return found;
      if (h === hash) found.push(this.#offsets[i]);
    }
  }

  insert(hash: number, offset: number): void {
    if ((this.#size + 1) * 2 > this.#hashes.length) this.#rebuild(this.#hashes.length * 2, 0);
    let i = this.#slot(hash);
    while (this.#hashes[i] !== EMPTY) i = (i + 1) & this.#mask;
    this.#hashes[i] = hash;
    this.#offsets[i] = offset;
    this.#size++;
  }

  /** Removes the entry for exactly this hash and offset (used when a commit fails). */
  remove(hash: number, offset: number): void {
    let i = this.#slot(hash);
    for (;; i = (i + 1) & this.#mask) {
      const h = this.#hashes[i];
      if (h === EMPTY) return;
      if (h === hash && this.#offsets[i] === offset) break;
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    let hole = i;
    for (let j = (i + 1) & this.#mask; this.#hashes[j] !== EMPTY; j = (j + 1) & this.#mask) {
      const home = this.#slot(this.#hashes[j]);
      const movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        this.#hashes[hole] = this.#hashes[j];
        this.#offsets[hole] = this.#offsets[j];
        hole = j;
      }
    }
    this.#hashes[hole] = EMPTY;
    this.#size--;
  }

  /** Forgets every entry whose offset is below `minOffset`, shrinking when much emptier. */
  pruneBelow(minOffset: number): void {
    let kept = 0;
    for (let i = 0; i < this.#hashes.length; i++) {
      if (this.#hashes[i] !== EMPTY && this.#offsets[i] >= minOffset) kept++;
    }
    if (kept === this.#size) return;
    let slots = this.#hashes.length;
    while (slots > 32 && kept * 8 < slots) slots >>= 1;
    this.#rebuild(slots, minOffset);
  }

  #slot(hash: number): number {
    // Low bits of the two halves mixed, so both hash halves spread the slots.
    return ((hash % 0x100000000) ^ Math.floor(hash / 0x100000000)) & this.#mask;
  }

  #rebuild(slots: number, minOffset: number): void {
    const oldHashes = this.#hashes;
    const oldOffsets = this.#offsets;
    this.#hashes = new Float64Array(slots);
    this.#offsets = new Float64Array(slots);
    this.#mask = slots - 1;
    this.#size = 0;
    for (let i = 0; i < oldHashes.length; i++) {
      if (oldHashes[i] !== EMPTY && oldOffsets[i] >= minOffset) {
        this.insert(oldHashes[i], oldOffsets[i]);
      }
    }
  }
}

/**
 * Adds a planned round's client ids (id → offset) to `index` and to `inFlight` (offset → id, for
 * confirming hits before the round is durable); returns the [hash, offset] entries added. Called
 * once the whole round is planned, so a round that fails to plan leaves nothing behind.
 */
export function indexRound(
  ids: ReadonlyMap<string, number>,
  index: IdIndex,
  inFlight: Map<number, string>,
): [number, number][] {
  const added: [number, number][] = [];
  for (const [id, offset] of ids) {
    const hash = idHash(id);
    index.insert(hash, offset);
    added.push([hash, offset]);
    inFlight.set(offset, id);
  }
  return added;
}
