/**
 * The Deno KV keyspace: one top-level prefix per owner, so no store reads or writes another's
 * keys (docs/storage.md has the table with what lives under each prefix). A data dir written
 * before this layout is converted on open (kv_storage.ts).
 * @module
 */

/** The first key part of everything each owner stores. */
export const PREFIX = {
  /** ["layout"] → the layout version of the whole file. */
  layout: "layout",
  /** The event log: blocks, id index, chunks, dead letters, positions (see _blocks.ts). */
  log: "log",
  /** Topic statistics: ["topics", "t", name] per topic, ["topics", "covered"]. */
  topics: "topics",
  /** Consumer groups: ["groups", name] → committed offset. */
  groups: "groups",
  /** Command queue: ["commands", "q", seq] → line, ["commands", "next"] → next seq. */
  commands: "commands",
  /** Coordinator state: ["coord", ...key.split("/")]. */
  coordinator: "coord",
  /** Experiment tracking (src/mlflow/): ["mlflow", ...key] → JSON record. */
  tracking: "mlflow",
} as const;

/** Version of the layout above; stored at ["layout"]. */
export const LAYOUT_VERSION = 2;
