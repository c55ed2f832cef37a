/**
 * Reading a run of a stream in order by message gets that the stream leader answers (up to
 * date with every acknowledged write), several in flight at once. No consumer is created: on
 * nats-server 2.9, creating an ephemeral consumer can hang for many seconds while a cluster
 * node is down, a get does not. A failed get (a leader being elected) is retried.
 * @module
 */
import type { JetStreamManager, StoredMsg } from "@nats-io/jetstream";

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
