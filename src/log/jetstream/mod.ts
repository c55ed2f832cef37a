/** The NATS JetStream backend (docs/scale-out.md). */
export {
  type JetStreamObserver,
  type JetStreamStorage,
  type JetStreamStorageOptions,
  openJetStreamStorage,
} from "./js_storage.ts";
export { defaultReplicas, type NatsOptions } from "./connection.ts";
