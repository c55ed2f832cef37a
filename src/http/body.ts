/**
 * Reading request bodies within the configured limits: a size cap (413 as soon as it is
 * exceeded, from Content-Length when given) and a time limit for the body to arrive (408).
 * @module
 */
import { BusError } from "../errors.ts";

export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

interface Watch {
  readonly deadline: number;
  readonly expire: () => void;
}

/**
 * Reads bodies; one shared timer enforces every body's deadline. A timer per request costs
 * about a fifth of the single-event ingest rate, so deadlines are checked a few times per
 * timeout instead (a late body is answered within a quarter of the timeout after it).
 */
export class BodyReader {
  readonly #limits: BodyLimits;
  readonly #watching = new Set<Watch>();
  readonly #tickMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(limits: BodyLimits) {
    this.#limits = limits;
    this.#tickMs = Math.min(1000, Math.max(10, Math.floor(limits.bodyTimeoutMs / 4)));
  }

  /** The whole body as bytes. */
  async read(req: Request): Promise<Uint8Array> {
    const { maxBodyBytes } = this.#limits;
    const declared = req.headers.get("content-length");
    if (declared !== null && Number(declared) > maxBodyBytes) {
      throw tooLarge(Number(declared), maxBodyBytes);
    }
    if (!req.body) return new Uint8Array(0);
    const expired = Promise.withResolvers<never>();
    const reader = declared === null ? req.body.getReader() : undefined;
    const stop = this.#watch(() => {
      reader?.cancel().catch(() => {});
      expired.reject(
        new BusError(
          "timeout",
          `The request body did not arrive within ${this.#limits.bodyTimeoutMs} ms`,
        ),
      );
    });
    try {
      // The common case (the mod always sends Content-Length): one native read.
      const body = reader ? readChunks(reader, maxBodyBytes) : req.bytes();
      return await Promise.race([body, expired.promise]);
    } catch (err) {
      if (err instanceof BusError) throw err;
      throw new BusError("malformed", "Cannot read the request body: the connection failed", {
        cause: err,
      });
    } finally {
      stop();
    }
  }

  #watch(expire: () => void): () => void {
    const watch = { deadline: Date.now() + this.#limits.bodyTimeoutMs, expire };
    this.#watching.add(watch);
    this.#timer ??= setInterval(() => this.#sweep(), this.#tickMs);
    // The timer stays until a sweep finds nothing to watch: starting and stopping one per
    // request cost a few percent of the single-event rate.
    return () => this.#watching.delete(watch);
  }

  #sweep(): void {
    const now = Date.now();
    for (const watch of this.#watching) {
      if (watch.deadline > now) continue;
      this.#watching.delete(watch);
      watch.expire();
    }
    this.#idle();
  }

  // No timer while nothing is read (from one tick after the last body), so an idle bus holds none.
  #idle(): void {
    if (this.#watching.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** A body without Content-Length, chunk by chunk, cut off at the size limit. */
async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBodyBytes: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBodyBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge(total, maxBodyBytes);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0];
  const body = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return body;
}

function tooLarge(bytes: number, limit: number): BusError {
  return new BusError(
    "too_large",
    `The request body is ${bytes} bytes or more; the limit is ${limit} bytes`,
    { details: [{ bytes, limit }] },
  );
}
