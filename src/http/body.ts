/**
 * Reading a request body within the configured limits: a size cap (413 as soon as it is
 * exceeded, from Content-Length when given) and a time limit for the body to arrive (408).
 * @module
 */
import { BusError } from "../errors.ts";

export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

/** The whole body as bytes. */
export async function readBody(req: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBodyBytes) {
    throw tooLarge(Number(declared), limits.maxBodyBytes);
  }
  if (!req.body) return new Uint8Array(0);
  // The common case (the mod always sends Content-Length): one native read, no stream loop.
  if (declared !== null) return await withTimeout(req.bytes(), limits.bodyTimeoutMs);
  const reader = req.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, limits.bodyTimeoutMs);
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limits.maxBodyBytes) {
        reader.cancel().catch(() => {});
        throw tooLarge(total, limits.maxBodyBytes);
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof BusError) throw err;
    if (!timedOut) {
      throw new BusError("malformed", "Cannot read the request body: the connection failed", {
        cause: err,
      });
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw timeout(limits.bodyTimeoutMs);
  if (parts.length === 1) return parts[0];
  const body = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return body;
}

async function withTimeout(body: Promise<Uint8Array>, timeoutMs: number): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([body, expired]);
  } catch (err) {
    if (err instanceof BusError) throw err;
    throw new BusError("malformed", "Cannot read the request body: the connection failed", {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

function timeout(timeoutMs: number): BusError {
  return new BusError("timeout", `The request body did not arrive within ${timeoutMs} ms`);
}

function tooLarge(bytes: number, limit: number): BusError {
  return new BusError(
    "too_large",
    `The request body is ${bytes} bytes or more; the limit is ${limit} bytes`,
    { details: [{ bytes, limit }] },
  );
}
