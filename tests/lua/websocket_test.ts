// The Lua WebSocket client against a scripted raw-TCP server that misbehaves on purpose: frames
// from the client must be masked and fragmented as sent; fragmented and ping frames from the
// server are reassembled and answered; a close mid-frame, a refused upgrade, a wrong
// Sec-WebSocket-Accept and an oversized message each end in a clean close with the right code.
import assert from "node:assert/strict";
import { luaTest, ROOT } from "./_lua.ts";

const PROBE = new URL("./_ws_probe.lua", import.meta.url).pathname;
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const enc = new TextEncoder();
const dec = new TextDecoder();

type ProbeEvent = { event: string; code?: number; reason?: string; data?: string };

interface ClientFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

/** A connection as the server sees it: buffered reads of the handshake and of client frames. */
class Peer {
  #buf = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  async #take(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) if (!(await this.#fill())) throw new Error("client closed");
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Reads the upgrade request; returns its Sec-WebSocket-Key. */
  async handshake(): Promise<string> {
    for (;;) {
      const text = dec.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.#buf = this.#buf.slice(end + 4);
        return /sec-websocket-key:\s*(\S+)/i.exec(text)![1];
      }
      if (!(await this.#fill())) throw new Error("client closed during the handshake");
    }
  }

  async frame(): Promise<ClientFrame> {
    const [b1, b2] = await this.#take(2);
    let len = b2 & 127;
    if (len === 126) {
      const b = await this.#take(2);
      len = b[0] * 256 + b[1];
    } else if (len === 127) {
      const b = await this.#take(8);
      len = b.reduce((acc, x) => acc * 256 + x, 0);
    }
    const masked = (b2 & 128) !== 0;
    const key = masked ? await this.#take(4) : new Uint8Array(4);
    const payload = (await this.#take(len)).map((x, i) => x ^ key[i % 4]);
    return { fin: (b1 & 128) !== 0, opcode: b1 & 15, masked, payload };
  }

  /** The next whole message (continuations joined), answering nothing. */
  async message(): Promise<{ opcode: number; text: string; frames: ClientFrame[] }> {
    const frames = [await this.frame()];
    while (!frames.at(-1)!.fin) frames.push(await this.frame());
    const text = frames.map((f) => dec.decode(f.payload)).join("");
    return { opcode: frames[0].opcode, text, frames };
  }

  send(bytes: Uint8Array | string): Promise<number> {
    return this.conn.write(typeof bytes === "string" ? enc.encode(bytes) : bytes);
  }
}

async function acceptFor(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", enc.encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function serverFrame(opcode: number, payload: Uint8Array | string, fin = true): Uint8Array {
  const body = typeof payload === "string" ? enc.encode(payload) : payload;
  const head = body.length < 126
    ? [(fin ? 128 : 0) | opcode, body.length]
    : body.length < 65536
    ? [(fin ? 128 : 0) | opcode, 126, body.length >> 8, body.length & 255]
    : [
      (fin ? 128 : 0) | opcode,
      127,
      0,
      0,
      0,
      0,
      ...[24, 16, 8, 0].map((s) => (body.length >>> s) & 255),
    ];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

async function switchProtocols(peer: Peer, accept?: string): Promise<void> {
  const key = await peer.handshake();
  await peer.send(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept ?? await acceptFor(key)}\r\n\r\n`,
  );
}

/** Runs the probe against a server whose one connection is handled by `script`. */
async function withServer(
  interpreter: string,
  script: (peer: Peer) => Promise<void>,
): Promise<ProbeEvent[]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await script(new Peer(conn));
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  })();
  const out = await new Deno.Command(interpreter, {
    args: [PROBE, ROOT, String(listener.addr.port), "5"],
  }).output();
  listener.close();
  await served;
  assert.ok(out.success, dec.decode(out.stderr));
  return dec.decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
}

await luaTest(
  "websocket: masked, fragmented client frames; server fragments, ping and close handled",
  async (interpreter) => {
    const seen: Record<string, unknown> = {};
    const events = await withServer(interpreter, async (peer) => {
      await switchProtocols(peer);
      const hello = await peer.message();
      const big = await peer.message();
      seen.hello = hello.text;
      seen.helloMasked = hello.frames.every((f) => f.masked);
      seen.bigFrames = big.frames.map((f) => [f.opcode, f.fin, f.payload.length, f.masked]);
      seen.bigText = big.text;
      // A message in three fragments with a ping between them.
      await peer.send(serverFrame(1, "frag", false));
      await peer.send(serverFrame(9, "p1"));
      await peer.send(serverFrame(0, "ment", false));
      await peer.send(serverFrame(0, "ed!", true));
      const pong = await peer.frame();
      seen.pong = [pong.opcode, dec.decode(pong.payload), pong.masked];
      seen.echo = (await peer.message()).text;
      await peer.send(serverFrame(8, new Uint8Array([0x03, 0xe8, ...enc.encode("bye")])));
      const close = await peer.frame();
      seen.closeEcho = [close.opcode, close.payload[0] * 256 + close.payload[1]];
    });
    assert.equal(seen.hello, "hello");
    assert.equal(seen.helloMasked, true);
    assert.deepEqual(seen.bigFrames, [[1, false, 8192, true], [0, false, 8192, true], [
      0,
      true,
      3616,
      true,
    ]]);
    assert.equal(seen.bigText, "abcdefgh".repeat(2500));
    assert.deepEqual(seen.pong, [10, "p1", true]);
    assert.equal(seen.echo, "fragmented!");
    assert.deepEqual(seen.closeEcho, [8, 1000]);
    assert.deepEqual(events.map((e) => e.event), ["open", "message", "close"]);
    assert.equal(events[1].data, "fragmented!");
    assert.deepEqual([events[2].code, events[2].reason], [1000, "bye"]);
  },
);

await luaTest(
  "websocket: a close in the middle of a frame ends the socket (1006), nothing delivered",
  async (interpreter) => {
    const events = await withServer(interpreter, async (peer) => {
      await switchProtocols(peer);
      const whole = serverFrame(2, new Uint8Array(100));
      await peer.send(whole.subarray(0, 12));
    });
    assert.deepEqual(events.map((e) => e.event), ["open", "close"]);
    assert.equal(events[1].code, 1006);
  },
);

await luaTest(
  "websocket: a refused upgrade and a wrong Sec-WebSocket-Accept never open",
  async (interpreter) => {
    const refused = await withServer(interpreter, async (peer) => {
      await peer.handshake();
      await peer.send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    });
    assert.deepEqual(refused.map((e) => e.event), ["close"]);
    assert.match(String(refused[0].reason), /upgrade refused: HTTP 403/);

    const forged = await withServer(
      interpreter,
      (peer) => switchProtocols(peer, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    );
    assert.deepEqual(
      forged.map((e) => e.event),
      ["close"],
    );
    assert.equal(forged[0].code, 1002);
    assert.match(String(forged[0].reason), /Sec-WebSocket-Accept/);
  },
);

await luaTest(
  "websocket: a message above the size limit closes with 1009, a masked server frame with 1002",
  async (interpreter) => {
    let closeCode = 0;
    const big = await withServer(interpreter, async (peer) => {
      await switchProtocols(peer);
      await peer.message();
      await peer.message();
      const head = serverFrame(2, new Uint8Array(0));
      // Announce 2 MiB (above the 1 MiB default) without sending it.
      await peer.send(new Uint8Array([head[0], 127, 0, 0, 0, 0, 0, 0x20, 0, 0]));
      const close = await peer.frame();
      closeCode = close.payload[0] * 256 + close.payload[1];
    });
    assert.equal(closeCode, 1009);
    assert.equal(big.at(-1)!.code, 1009);

    const masked = await withServer(interpreter, async (peer) => {
      await switchProtocols(peer);
      await peer.send(new Uint8Array([0x81, 0x81, 1, 2, 3, 4, 0x41]));
      await peer.frame().catch(() => {});
    });
    assert.equal(masked.at(-1)!.code, 1002);
  },
);
