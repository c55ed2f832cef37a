/**
 * The SQLite event log's writer, in a worker: every transaction (and its fsync) runs here, off
 * the event loop that answers requests. Requests are handled one at a time, in order; after a
 * failed commit every later append is refused, so a later round can never land beside a hole.
 * @module
 */
/// <reference lib="deno.worker" />
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type AppendRound,
  SCHEMA,
  type StoredPositions,
  type SweepRequest,
  type Synchronous,
  type WriterAnswer,
  type WriterRequest,
} from "./protocol.ts";
import { answerInOrder } from "../../ordered_worker.ts";

/** Rows deleted per retention transaction, so appends wait at most one small delete. */
const DELETES_PER_TRANSACTION = 5_000;

class Writer {
  readonly #db: DatabaseSync;
  readonly #insertEvent: StatementSync;
  readonly #insertDeadLetter: StatementSync;
  readonly #countTopic: StatementSync;
  readonly #setMeta: StatementSync;
  #failure: string | null = null;

  constructor(path: string, synchronous: Synchronous) {
    this.#db = new DatabaseSync(path, { timeout: 5_000 });
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
    this.#db.exec(SCHEMA);
    this.#insertEvent = this.#db.prepare(
      "INSERT INTO events (position, received_at, topic, client_id, json) VALUES (?, ?, ?, ?, ?)",
    );
    this.#insertDeadLetter = this.#db.prepare(
      "INSERT INTO dead_letters (seq, received_at, json) VALUES (?, ?, ?)",
    );
    this.#countTopic = this.#db.prepare(
      `INSERT INTO topics (name, events, last_offset) VALUES (?, ?, ?) ON CONFLICT (name)
       DO UPDATE SET events = events + excluded.events, last_offset = excluded.last_offset`,
    );
    this.#setMeta = this.#db.prepare(
      "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    );
  }

  positions(): StoredPositions {
    const rows = this.#db.prepare("SELECT name, value FROM meta").all();
    const meta = new Map(rows.map((r) => [r.name as string, Number(r.value)]));
    return {
      head: meta.get("head") ?? 0,
      deadLetterHead: meta.get("dlhead") ?? 0,
      first: meta.get("first") ?? 0,
    };
  }

  append(round: AppendRound): void {
    if (this.#failure) throw new Error(`an earlier commit failed: ${this.#failure}`);
    this.#transaction(() => {
      const { receivedAt, from, topics, ids, jsons, deadLetterFrom, deadLetters } = round;
      const events = jsons.length;
      for (let i = 0; i < events; i++) {
        this.#insertEvent.run(from + i, receivedAt, topics[i], ids[i], jsons[i]);
      }
      for (let i = 0; i < deadLetters.length; i++) {
        this.#insertDeadLetter.run(deadLetterFrom + i, receivedAt, deadLetters[i]);
      }
      for (const [name, events, last] of round.topicDeltas) {
        this.#countTopic.run(name, events, last);
      }
      if (events > 0) this.#setMeta.run("head", from + events);
      if (deadLetters.length > 0) this.#setMeta.run("dlhead", deadLetterFrom + deadLetters.length);
    });
  }

  /** Deletes expired events and dead letters in small transactions; the new oldest offset. */
  async sweep(req: SweepRequest): Promise<number> {
    const { head, first } = this.positions();
    let keepFrom = Math.min(Math.max(req.keepFrom, first), head);
    if (req.oldest >= 0) {
      const young = this.#db.prepare(
        "SELECT position FROM events WHERE position >= ? AND received_at >= ? ORDER BY position LIMIT 1",
      ).get(keepFrom, req.oldest);
      keepFrom = Math.max(keepFrom, young ? Number(young.position) : head);
    }
    for (let at = first; at < keepFrom;) {
      const to = Math.min(at + DELETES_PER_TRANSACTION, keepFrom);
      this.#transaction(() => {
        this.#db.prepare("DELETE FROM events WHERE position < ?").run(to);
        this.#setMeta.run("first", to);
      });
      at = to;
      await new Promise((r) => setTimeout(r)); // lets queued appends in between
    }
    if (req.oldest >= 0) {
      this.#db.prepare("DELETE FROM dead_letters WHERE received_at < ?").run(req.oldest);
    }
    return keepFrom;
  }

  close(): void {
    this.#db.close();
  }

  #transaction(body: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      body();
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#failure ??= String(err);
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw err;
    }
  }
}

let writer: Writer | null = null;

answerInOrder(self, handle);

async function handle(req: WriterRequest): Promise<WriterAnswer & { ok: true }> {
  switch (req.kind) {
    case "open":
      writer = new Writer(req.path, req.synchronous);
      return { ok: true, positions: writer.positions() };
    case "append":
      writer!.append(req);
      return { ok: true };
    case "sweep":
      return { ok: true, first: await writer!.sweep(req) };
    case "close":
      writer?.close();
      writer = null;
      return { ok: true };
  }
}
