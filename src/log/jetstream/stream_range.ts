/**
 * Reading a run of a stream in order: an ordered consumer (ephemeral, server-side cursor)
 * from one sequence up to another, fetched in batches, deleted when the reader stops.
 * @module
 */
import { DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";

const BATCH = 512;
// How long a fetch may wait for messages that turn out to be gone (deleted meanwhile).
const FETCH_EXPIRES_MS = 1_000;

/** Messages of `stream` with sequences from `fromSeq` to `toSeq` (inclusive), in order. */
export async function* streamRange(
  js: JetStreamClient,
  stream: string,
  fromSeq: number,
  toSeq: number,
  opts: { headersOnly?: boolean } = {},
): AsyncIterable<JsMsg> {
  if (fromSeq > toSeq) return;
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
    headers_only: opts.headersOnly ?? false,
  });
  try {
    let next = fromSeq;
    while (next <= toSeq) {
      const batch = await consumer.fetch({
        max_messages: Math.min(BATCH, toSeq - next + 1),
        expires: FETCH_EXPIRES_MS,
      });
      let got = 0;
      for await (const m of batch) {
        got++;
        next = m.seq + 1;
        if (m.seq > toSeq) break;
        yield m;
      }
      if (got === 0) return; // the rest was deleted
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}
