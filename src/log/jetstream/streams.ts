/**
 * Small JetStream helpers of the backend: creating or updating a stream, the log bounds a
 * stream's state implies, and bounded parallel requests.
 * @module
 */
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import type { LogBounds } from "../event_log.ts";

/** Creates the stream, or brings its limits in line with `config` when it exists. */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    if (!/already in use/i.test(String(err))) throw err;
    await jsm.streams.update(config.name, config);
  }
}

/** The log bounds a stream's state implies (first is the oldest retained offset). */
export async function streamBounds(jsm: JetStreamManager, stream: string): Promise<LogBounds> {
  const { state } = await jsm.streams.info(stream);
  const head = state.last_seq;
  return { first: state.messages === 0 ? head : state.first_seq - 1, head };
}

/** `fn` over `items` with at most `limit` running at once, results in order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
