/**
 * Reading a run of a stream in order by message gets that the stream leader answers (up to
 * date with every acknowledged write), several in flight at once. No consumer is created: on
 * nats-server 2.9, creating an ephemeral consumer can hang for many seconds while a cluster
 * node is down, a get does not. A failed get (a leader being elected) is retried.
 * @module
 */
import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";

const WINDOW = 64;
/** Attempts of one get (about 30 s with the client's request timeout) before a read fails. */
const ATTEMPTS = 6;
const RETRY_MS = 500;

type Got = { msg: StoredMsg | null } | { error: unknown };

/** Messages of `stream` from sequence `fromSeq` to `toSeq` (inclusive) in order; gone ones skipped. */
export async function* streamRange(
  jsm: JetStreamManager,
  stream: string,
  fromSeq: number,
  toSeq: number,
): AsyncIterable<StoredMsg> {
  const inFlight: Promise<Got>[] = [];
  let next = fromSeq;
  while (next <= toSeq || inFlight.length > 0) {
    while (inFlight.length < WINDOW && next <= toSeq) {
      inFlight.push(getMessage(jsm, stream, next++));
    }
    const got = await inFlight.shift()!;
    if ("error" in got) throw got.error;
    if (got.msg) yield got.msg;
  }
}

/** One message by sequence (null when deleted); never rejects, so abandoned gets are harmless. */
async function getMessage(jsm: JetStreamManager, stream: string, seq: number): Promise<Got> {
  for (let attempt = 1;; attempt++) {
    try {
      return { msg: await jsm.streams.getMessage(stream, { seq }) };
    } catch (error) {
      if (attempt >= ATTEMPTS) return { error };
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

const HEADER_BATCH = 4_096;
const HEADER_FETCH_EXPIRES_MS = 2_000;

/**
 * The headers of messages `fromSeq` to `toSeq` through a headers-only ordered consumer: far
 * faster than gets for long runs, but the consumer may fail to start while a node is down, so
 * callers fall back to {@linkcode streamRange} from the returned next sequence when it throws.
 */
export async function headersRange(
  js: JetStreamClient,
  stream: string,
  fromSeq: number,
  toSeq: number,
  each: (seq: number, headers: MsgHdrs | undefined) => void,
): Promise<void> {
  if (fromSeq > toSeq) return;
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
    headers_only: true,
  });
  try {
    let next = fromSeq;
    while (next <= toSeq) {
      const batch = await consumer.fetch({
        max_messages: Math.min(HEADER_BATCH, toSeq - next + 1),
        expires: HEADER_FETCH_EXPIRES_MS,
      });
      let got = 0;
      for await (const m of batch) {
        if (m.seq > toSeq) return;
        got++;
        next = m.seq + 1;
        each(m.seq, m.headers);
      }
      if (got === 0) throw new Error(`no messages after ${next - 1} of ${stream}`);
    }
  } finally {
    consumer.delete().catch(() => {});
  }
}
