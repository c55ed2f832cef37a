/**
 * An HTTP/1.1 client that behaves like the mod's raw-socket backend: a new connection per
 * request, Content-Length framing, `Connection: close`, read until the server closes.
 * @module
 */

export interface RawAnswer {
  readonly statusLine: string;
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly body?: Uint8Array;
  readonly headers?: Record<string, string>;
  /** Send `Expect: 100-continue` and wait for the interim answer before the body. */
  readonly expectContinue?: boolean;
  /** `Host: localhost` without the port, as one client backend does. */
  readonly hostWithoutPort?: boolean;
  /** The address to connect to (127.0.0.1 by default). */
  readonly hostname?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function rawRequest(
  port: number,
  path: string,
  opts: RawRequestOptions = {},
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: opts.hostname ?? "127.0.0.1", port });
  try {
    const method = opts.method ?? (opts.body ? "POST" : "GET");
    const headers: Record<string, string> = {
      Host: opts.hostWithoutPort ? "localhost" : `localhost:${port}`,
      "User-Agent": "BalatroMCP/1.0",
      "Content-Type": "application/json",
      Connection: "close",
      ...opts.headers,
    };
    if (opts.body) headers["Content-Length"] = String(opts.body.length);
    if (opts.expectContinue) headers["Expect"] = "100-continue";
    const head = `${method} ${path} HTTP/1.1\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    await writeAll(conn, encoder.encode(head));
    let received: Uint8Array = new Uint8Array(0);
    if (opts.expectContinue && opts.body) {
      received = await readUntil(conn, received, (t) => t.includes("\r\n\r\n"));
      const interim = decoder.decode(received);
      if (!interim.startsWith("HTTP/1.1 100")) {
        throw new Error(`expected 100 Continue, got ${interim}`);
      }
      received = received.slice(interim.indexOf("\r\n\r\n") + 4);
    }
    if (opts.body) await writeAll(conn, opts.body);
    received = await readUntil(conn, received, () => false);
    return parse(decoder.decode(received));
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

async function readUntil(
  conn: Deno.Conn,
  start: Uint8Array,
  done: (text: string) => boolean,
): Promise<Uint8Array> {
  let all: Uint8Array = start;
  const buf = new Uint8Array(64 * 1024);
  while (!done(decoder.decode(all))) {
    const n = await conn.read(buf);
    if (n === null) break;
    const next = new Uint8Array(all.length + n);
    next.set(all);
    next.set(buf.subarray(0, n), all.length);
    all = next;
  }
  return all;
}

function parse(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return {
    statusLine,
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: text.slice(end + 4),
  };
}
