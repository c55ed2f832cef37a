/**
 * Server-Sent Events: GET /api/v1/stream?topics=game.>&from=earliest|latest|<offset>&at=<ms>
 * for browsers and plain-HTTP consumers. Each event is `id: <offset>`, `event: <topic>`,
 * `data: <envelope JSON>`; a reconnecting EventSource resumes after Last-Event-ID. The body is
 * pulled, so a slow reader only slows its own reads of the log.
 * @module
 */
import { BusError } from "../errors.ts";
import type { Bus } from "../bus/mod.ts";
import type { StoredEvent } from "../log/mod.ts";
import type { Mount } from "./handler.ts";
import { parseStart, parseTopics } from "./_stream_params.ts";

export const SSE_PATH = "/api/v1/stream";
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
const BATCH = 256;
const encoder = new TextEncoder();

/** `closing` ends every open stream (graceful shutdown does not wait for readers). */
export function sseMount(bus: Bus, closing: AbortSignal): Mount {
  return {
    name: SSE_PATH,
    handle(req, url) {
      if (url.pathname !== SSE_PATH) return null;
      if (req.method !== "GET") {
        throw new BusError(
          "method_not_allowed",
          `${req.method} is not allowed on ${SSE_PATH}; use GET`,
          {
            allow: ["GET"],
          },
        );
      }
      return open(bus, req, url, closing);
    },
  };
}

async function open(bus: Bus, req: Request, url: URL, closing: AbortSignal): Promise<Response> {
  const q = url.searchParams;
  const lastId = req.headers.get("last-event-id");
  const start = lastId !== null && /^\d+$/.test(lastId)
    ? { kind: "offset" as const, offset: Number(lastId) + 1 }
    : parseStart(q.get("from") ?? undefined, q.get("at") ?? undefined);
  const speed = q.has("speed") ? Number(q.get("speed")) : 0;
  const end = q.get("end");
  const sub = await bus.subscribe({
    topics: parseTopics(q.get("topics") ?? q.get("topic") ?? undefined),
    start,
    replaySpeed: speed,
    endOffset: end !== null && /^\d+$/.test(end) ? Number(end) : undefined,
    protocol: "sse",
  });
  const stop = new AbortController();
  const onClosing = () => stop.abort();
  closing.addEventListener("abort", onClosing, { once: true });
  let pending: Promise<StoredEvent[]> | null = null;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: 1000\n: subscribed at ${sub.position}\n\n`));
    },
    async pull(controller) {
      pending ??= sub.next(BATCH, stop.signal);
      pending.catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const keepalive = new Promise<null>((r) => timer = setTimeout(() => r(null), KEEPALIVE_MS));
      let batch: StoredEvent[] | null;
      try {
        batch = await Promise.race([pending, keepalive]).finally(() => clearTimeout(timer));
      } catch (err) {
        if (!stop.signal.aborted) throw err;
        batch = []; // shutting down: end the stream cleanly
      }
      if (batch === null) {
        controller.enqueue(encoder.encode(": keepalive\n\n"));
        return;
      }
      pending = null;
      if (batch.length === 0 || stop.signal.aborted) {
        closing.removeEventListener("abort", onClosing);
        sub.close();
        controller.close();
        return;
      }
      let text = "";
      for (const e of batch) text += `id: ${e.offset}\nevent: ${e.topic}\ndata: ${e.json}\n\n`;
      controller.enqueue(encoder.encode(text));
      bus.delivered("sse", batch.length);
    },
    cancel() {
      closing.removeEventListener("abort", onClosing);
      stop.abort();
      sub.close();
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
