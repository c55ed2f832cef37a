/**
 * Mirrors the projected tables into PostgreSQL incrementally. SQLite triggers record the key of
 * every changed row in `mirror_changes`; each sync upserts (or deletes) those rows in PostgreSQL
 * and stores the last change applied in the same PostgreSQL transaction, so a crash on either
 * side replays at most what PostgreSQL has not committed. A new epoch (first run, or a rebuilt
 * SQLite file) copies everything.
 * @module
 */
import postgres from "postgres";
import type { DatabaseSync } from "node:sqlite";
import { PROJECTED_TABLES } from "./schema.ts";

/** Changes sent per PostgreSQL transaction. */
const SYNC_CHANGES = 5_000;
/** PostgreSQL allows 65,535 parameters per statement. */
const MAX_PARAMS = 60_000;

interface Column {
  readonly name: string;
  readonly type: string;
}

/** Creates the change-recording triggers (idempotent) and returns the file's mirror epoch. */
export function enableChangeTracking(db: DatabaseSync): string {
  db.exec(`CREATE TABLE IF NOT EXISTS mirror_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, key TEXT NOT NULL)`);
  for (const [table, keys] of Object.entries(PROJECTED_TABLES)) {
    const key = (row: string) => `json_array(${keys.map((k) => `${row}."${k}"`).join(", ")})`;
    for (const [event, row] of [["INSERT", "NEW"], ["UPDATE", "NEW"], ["DELETE", "OLD"]]) {
      db.exec(`CREATE TRIGGER IF NOT EXISTS mirror_${table}_${event.toLowerCase()}
        AFTER ${event} ON ${table} BEGIN
        INSERT INTO mirror_changes (tbl, key) VALUES ('${table}', ${key(row)}); END`);
    }
  }
  const meta = db.prepare("SELECT value FROM analytics_meta WHERE key = 'mirror_epoch'").get() as
    | { value: string }
    | undefined;
  if (meta) return meta.value;
  const epoch = crypto.randomUUID();
  db.prepare("INSERT INTO analytics_meta VALUES ('mirror_epoch', ?)").run(epoch);
  return epoch;
}

/** Removes the triggers and the change table (when no mirror is configured). */
export function disableChangeTracking(db: DatabaseSync): void {
  for (const table of Object.keys(PROJECTED_TABLES)) {
    for (const event of ["insert", "update", "delete"]) {
      db.exec(`DROP TRIGGER IF EXISTS mirror_${table}_${event}`);
    }
  }
  db.exec("DROP TABLE IF EXISTS mirror_changes");
  db.exec("DELETE FROM analytics_meta WHERE key = 'mirror_epoch'");
}

/** Keeps a PostgreSQL database equal to the analytics tables. */
export class PostgresMirror {
  #db: DatabaseSync;
  #sql: postgres.Sql;
  #epoch: string;
  #columns = new Map<string, Column[]>();
  #running: Promise<void> | null = null;
  #again = false;

  constructor(db: DatabaseSync, url: string) {
    this.#db = db;
    this.#epoch = enableChangeTracking(db);
    this.#sql = postgres(url, { max: 1, onnotice: () => {} });
    for (const table of Object.keys(PROJECTED_TABLES)) {
      const info = db.prepare(`PRAGMA table_info(${table})`).all() as unknown as Column[];
      this.#columns.set(table, info);
    }
  }

  /** Brings PostgreSQL up to date; concurrent calls coalesce into one more pass. */
  sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#syncOnce();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async close(): Promise<void> {
    await this.#running?.catch(() => {});
    await this.#sql.end({ timeout: 5 });
  }

  async #syncOnce(): Promise<void> {
    await this.#createTables();
    const state = await this.#sql<{ epoch: string; seq: string }[]>`
      SELECT epoch, seq FROM jimbot_mirror`;
    if (state.length === 0 || state[0].epoch !== this.#epoch) {
      await this.#fullCopy();
    }
    for (;;) {
      const [{ seq }] = await this.#sql<{ seq: string }[]>`SELECT seq FROM jimbot_mirror`;
      const done = await this.#applyChanges(Number(seq));
      if (!done) return;
    }
  }

  /** Sends the changes after `from`; false when there were none. */
  async #applyChanges(from: number): Promise<boolean> {
    // Read synchronously: the projector cannot change the file in between.
    const changes = this.#db.prepare(
      "SELECT seq, tbl, key FROM mirror_changes WHERE seq > ? ORDER BY seq LIMIT ?",
    ).all(from, SYNC_CHANGES) as { seq: number; tbl: string; key: string }[];
    this.#db.prepare("DELETE FROM mirror_changes WHERE seq <= ?").run(from);
    if (changes.length === 0) return false;
    const last = changes[changes.length - 1].seq;
    const byTable = new Map<string, Map<string, unknown[]>>();
    for (const c of changes) {
      let keys = byTable.get(c.tbl);
      if (!keys) byTable.set(c.tbl, keys = new Map());
      keys.set(c.key, JSON.parse(c.key));
    }
    const work: { table: string; upserts: unknown[][]; deletes: unknown[][] }[] = [];
    for (const [table, keys] of byTable) {
      const pk = PROJECTED_TABLES[table];
      const cols = this.#columns.get(table)!;
      const get = this.#db.prepare(
        `SELECT ${cols.map((c) => `"${c.name}"`).join(", ")} FROM ${table} WHERE ${
          pk.map((k) => `"${k}" = ?`).join(" AND ")
        }`,
      );
      (get as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      const upserts: unknown[][] = [];
      const deletes: unknown[][] = [];
      for (const key of keys.values()) {
        const row = get.get(...(key as (number | string)[])) as unknown as unknown[] | undefined;
        if (row) upserts.push(row);
        else deletes.push(key);
      }
      work.push({ table, upserts, deletes });
    }
    await this.#sql.begin(async (tx) => {
      for (const { table, upserts, deletes } of work) {
        await this.#upsert(tx, table, upserts);
        await this.#delete(tx, table, deletes);
      }
      await tx`UPDATE jimbot_mirror SET seq = ${last}`;
    });
    this.#db.prepare("DELETE FROM mirror_changes WHERE seq <= ?").run(last);
    return true;
  }

  async #fullCopy(): Promise<void> {
    const seqRow = this.#db.prepare("SELECT COALESCE(MAX(seq), 0) AS seq FROM mirror_changes")
      .get() as { seq: number };
    const snapshot = new Map<string, unknown[][]>();
    for (const table of Object.keys(PROJECTED_TABLES)) {
      const cols = this.#columns.get(table)!;
      const stmt = this.#db.prepare(
        `SELECT ${cols.map((c) => `"${c.name}"`).join(", ")} FROM ${table}`,
      );
      (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      snapshot.set(table, stmt.all() as unknown as unknown[][]);
    }
    await this.#sql.begin(async (tx) => {
      for (const [table, rows] of snapshot) {
        await tx.unsafe(`TRUNCATE "${table}"`);
        await this.#upsert(tx, table, rows);
      }
      await tx`DELETE FROM jimbot_mirror`;
      await tx`INSERT INTO jimbot_mirror VALUES (${this.#epoch}, ${seqRow.seq})`;
    });
  }

  async #upsert(tx: postgres.TransactionSql, table: string, rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const cols = this.#columns.get(table)!;
    const pk = PROJECTED_TABLES[table];
    const names = cols.map((c) => `"${c.name}"`).join(", ");
    const rest = cols.filter((c) => !pk.includes(c.name));
    const onConflict = rest.length
      ? `DO UPDATE SET ${rest.map((c) => `"${c.name}" = EXCLUDED."${c.name}"`).join(", ")}`
      : "DO NOTHING";
    const per = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const params: postgres.ParameterOrJSON<never>[] = [];
      const tuples = chunk.map((row) => {
        const marks = row.map((v) => {
          params.push(v as string | number | null);
          return `$${params.length}`;
        });
        return `(${marks.join(", ")})`;
      });
      await tx.unsafe(
        `INSERT INTO "${table}" (${names}) VALUES ${tuples.join(", ")}
         ON CONFLICT (${pk.map((k) => `"${k}"`).join(", ")}) ${onConflict}`,
        params,
      );
    }
  }

  async #delete(tx: postgres.TransactionSql, table: string, keys: unknown[][]): Promise<void> {
    const pk = PROJECTED_TABLES[table];
    for (const key of keys) {
      await tx.unsafe(
        `DELETE FROM "${table}" WHERE ${pk.map((k, i) => `"${k}" = $${i + 1}`).join(" AND ")}`,
        key as (string | number)[],
      );
    }
  }

  async #createTables(): Promise<void> {
    await this
      .#sql`CREATE TABLE IF NOT EXISTS jimbot_mirror (epoch TEXT NOT NULL, seq BIGINT NOT NULL)`;
    for (const [table, pk] of Object.entries(PROJECTED_TABLES)) {
      const cols = this.#columns.get(table)!.map((c) => `"${c.name}" ${pgType(c.type)}`);
      await this.#sql.unsafe(
        `CREATE TABLE IF NOT EXISTS "${table}" (${cols.join(", ")},
         PRIMARY KEY (${pk.map((k) => `"${k}"`).join(", ")}))`,
      );
    }
  }
}

function pgType(sqliteType: string): string {
  const t = sqliteType.toUpperCase();
  if (t.includes("INT")) return "BIGINT";
  if (t.includes("REAL")) return "DOUBLE PRECISION";
  return "TEXT";
}
