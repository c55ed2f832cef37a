/**
 * The storage seams (event log, consumer groups, commands, coordinator state, experiment
 * tracking) and backends.
 */
export type {
  AppendRequest,
  AppendResult,
  EventLog,
  EventOutcome,
  HeadListener,
  LogBounds,
  NewDeadLetter,
  NewEvent,
  ReadOptions,
  StoredEvent,
  TopicStats,
} from "./event_log.ts";
export { logSaturated } from "./event_log.ts";
export type {
  CommandStore,
  CommitObserver,
  ConsumerGroupStore,
  LogOptions,
  QueuedCommand,
  StateStore,
  Storage,
  Versioned,
} from "./stores.ts";
export { KvEventLog, type KvEventLogOptions } from "./kv_event_log.ts";
export { type KvStorageOptions, openKvStorage } from "./kv_storage.ts";
export { KvCommandStore, KvConsumerGroupStore, KvStateStore } from "./kv_stores.ts";
export { type DataDirLock, LOCK_FILE, lockDataDir } from "./data_dir_lock.ts";
export { MemoryEventLog, MemoryLogData } from "./memory_event_log.ts";
export {
  MemoryBackend,
  MemoryCommandStore,
  MemoryConsumerGroupStore,
  MemoryStateStore,
  openMemoryStorage,
} from "./memory_storage.ts";
export {
  compareKeys,
  MemoryTrackingStore,
  type StoreEntry,
  type StoreKey,
  type StoreWrite,
  type TrackingStore,
} from "./tracking_store.ts";
export { KvTrackingStore } from "./kv_tracking_store.ts";
export { compileTopicPatterns, type TopicMatcher } from "./topic_pattern.ts";
export { SqliteEventLog, type SqliteEventLogOptions } from "./sqlite/sqlite_event_log.ts";
export {
  openSqliteStorage,
  SQLITE_LOG_FILE,
  type SqliteStorageOptions,
} from "./sqlite/sqlite_storage.ts";
export { type LogStore, openStorage } from "./open_storage.ts";
