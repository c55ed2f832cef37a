/** The durable event log. */
export type {
  AppendRequest,
  AppendResult,
  EventLog,
  NewDeadLetter,
  NewEvent,
  StoredEvent,
} from "./event_log.ts";
export { LogSaturatedError } from "./event_log.ts";
export { type CommitObserver, KvEventLog } from "./kv_event_log.ts";
export { compileTopicPatterns, type TopicMatcher } from "./topic_pattern.ts";
