/** Subscriptions over the durable log, consumer groups, topics. */
export { Bus, type BusObserver, type BusOptions, type SubscribeOptions } from "./bus.ts";
export { ConsumerGroups } from "./consumer_groups.ts";
export { CreditWindow } from "./credit_window.ts";
export { checkGroupCommit, MAX_GROUPS } from "./group_commit_check.ts";
export type { Start } from "./start_position.ts";
export type { Subscription } from "./subscription.ts";
export type { TopicStats } from "../log/mod.ts";
