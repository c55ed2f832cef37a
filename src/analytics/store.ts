/**
 * The analytics SQLite file: opens it, creates the schema, and applies batches of envelopes with
 * the consumer offset and the projector's state in the same transaction (exactly-once).
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { emptyProjectorState, type Envelope, Projector, type ProjectorState } from "./projector.ts";
import { SCHEMA_SQL, SCHEMA_VERSION } from "./schema.ts";

/** The analytics database file inside the data directory. */
export function analyticsPath(dataDir: string): string {
  return `${dataDir}/analytics.sqlite`;
}

/** Raw tables pruned to rollups, with their time column. */
const RAW_TABLES = [
  ["hands", "played_at_ms"],
  ["money_changes", "at_ms"],
  ["actions", "at_ms"],
] as const;

/** The writable analytics database; one per data directory (the bus or `analytics rebuild`). */
export class AnalyticsStore {
  readonly db: DatabaseSync;
  #projector: Projector;
  #metaGet;
  #metaSet;

  private constructor(db: DatabaseSync) {
    this.db = db;
    this.#metaGet = db.prepare("SELECT value FROM analytics_meta WHERE key = ?");
    this.#metaSet = db.prepare(
      "INSERT INTO analytics_meta VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
    );
    this.#projector = new Projector(db, this.#loadState());
  }

  /** Opens (creating) the file; a schema from another version is dropped and rebuilt. */
  static open(path: string): AnalyticsStore {
    const db = new DatabaseSync(path, { timeout: 5_000 });
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    const hasMeta = db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analytics_meta'",
    ).get();
    const version = hasMeta
      ? (db.prepare("SELECT value FROM analytics_meta WHERE key = 'schema_version'").get() as {
        value: string;
      } | undefined)?.value
      : undefined;
    if (hasMeta && version !== String(SCHEMA_VERSION)) dropAll(db);
    db.exec(SCHEMA_SQL);
    db.prepare("INSERT OR REPLACE INTO analytics_meta VALUES ('schema_version', ?)")
      .run(String(SCHEMA_VERSION));
    return new AnalyticsStore(db);
  }

  /** The next log offset to apply. */
  get offset(): number {
    return Number(this.#meta("offset") ?? 0);
  }

  /**
   * Applies envelopes (in offset order) and records the next offset, all in one transaction.
   * Envelopes below the stored offset are skipped, so a re-read never counts twice.
   */
  apply(envelopes: readonly Envelope[], nextOffset: number): number {
    const from = this.offset;
    let applied = 0;
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const env of envelopes) {
        if (env.offset < from) continue;
        this.#projector.apply(env);
        applied++;
      }
      this.#projector.flushCounts();
      this.#metaSet.run("offset", String(Math.max(from, nextOffset)));
      this.#metaSet.run("state", JSON.stringify(this.#projector.state));
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      this.#projector = new Projector(this.db, this.#loadState());
      throw err;
    }
    return applied;
  }

  /** Empties every projected table and the offset (for a rebuild from the log). */
  reset(): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const tables = this.db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
      ).all() as { name: string }[];
      for (const { name } of tables) {
        if (name !== "analytics_meta") this.db.exec(`DELETE FROM "${name}"`);
      }
      // A rebuilt file is a new mirror epoch: the PostgreSQL mirror copies it whole.
      this.db.exec("DELETE FROM analytics_meta WHERE key IN ('offset', 'state', 'mirror_epoch')");
      const tracked = tables.some((t) => t.name === "mirror_changes");
      if (tracked) this.db.exec("DELETE FROM mirror_changes");
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
    this.#projector.state = emptyProjectorState();
  }

  /** Deletes raw rows older than `cutoffMs` (epoch ms); their rollups stay. Returns rows deleted. */
  pruneRaw(cutoffMs: number): number {
    let deleted = 0;
    for (const [table, column] of RAW_TABLES) {
      deleted += Number(
        this.db.prepare(`DELETE FROM ${table} WHERE ${column} < ?`).run(cutoffMs).changes,
      );
    }
    return deleted;
  }

  close(): void {
    this.db.close();
  }

  #meta(key: string): string | undefined {
    return (this.#metaGet.get(key) as { value: string } | undefined)?.value;
  }

  #loadState(): ProjectorState {
    const text = this.#meta("state");
    return text ? JSON.parse(text) as ProjectorState : emptyProjectorState();
  }
}

function dropAll(db: DatabaseSync): void {
  const objects = db.prepare(
    "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
  ).all() as { type: string; name: string }[];
  for (const { type, name } of objects) db.exec(`DROP ${type.toUpperCase()} IF EXISTS "${name}"`);
}
