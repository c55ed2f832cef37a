/**
 * Building answers: JSON with Content-Length framing (the mod's raw-socket backend cannot
 * de-chunk), the error body of docs/design.md#errors-and-limits, NDJSON streams for readers.
 * @module
 */
import { BusError, HTTP_STATUS } from "../errors.ts";
import type { Logger } from "../logger.ts";

const JSON_TYPE = "application/json; charset=utf-8";

/** A JSON answer; a string body makes Deno.serve send Content-Length, never chunked. */
export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** The error body `{"status":"error","error":…,"details":[…]}` with a fitting status. */
export function errorResponse(err: unknown, logger: Logger): Response {
  if (!(err instanceof BusError)) {
    logger.error("request failed", { error: err });
    return json(500, {
      status: "error",
      error: "The bus failed to handle this request; it is logged, please retry",
      details: [],
    });
  }
  const headers: Record<string, string> = {};
  if (err.opts.retryAfterS !== undefined) headers["retry-after"] = String(err.opts.retryAfterS);
  if (err.opts.allow) headers["allow"] = err.opts.allow.join(", ");
  // The body was not (wholly) read: the connection cannot carry another request, so the
  // listener closes it once this answer is out.
  if (err.kind === "timeout" || err.kind === "too_large") headers["connection"] = "close";
  return json(
    HTTP_STATUS[err.kind],
    { status: "error", error: err.message, details: err.opts.details ?? [] },
    headers,
  );
}

const encoder = new TextEncoder();

/** Streams one JSON line per item as `application/x-ndjson`. */
export function ndjson(lines: AsyncIterable<string>, headers: HeadersInit = {}): Response {
  return streamResponse(mapLines(lines), "application/x-ndjson; charset=utf-8", headers);
}

/** Streams byte records as they are produced, pulling only as fast as the client reads. */
export function streamResponse(
  records: AsyncIterable<Uint8Array>,
  contentType: string,
  headers: HeadersInit = {},
): Response {
  const iter = records[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iter.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iter.return?.();
    },
  });
  const h = new Headers(headers);
  h.set("content-type", contentType);
  return new Response(body, { status: 200, headers: h });
}

async function* mapLines(lines: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  for await (const line of lines) yield encoder.encode(line + "\n");
}
