/**
 * Test kit: a WebSocket to /api/v1/ws that queues parsed answers, sends text or binary frames
 * and reports how the bus closed it.
 * @module
 */
export type Msg = Record<string, unknown>;

export interface WsPeer {
  sendJson(m: unknown): void;
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void;
  /** The first queued message matching `pred` (removed from the queue); throws after timeout. */
  next(pred?: (m: Msg) => boolean, timeoutMs?: number): Promise<Msg>;
  /** Resolves with the close code once the socket closed (either side). */
  readonly closed: Promise<number>;
  close(): Promise<number>;
}

export async function openWsPeer(url: string): Promise<WsPeer> {
  const ws = new WebSocket(url);
  const inbox: Msg[] = [];
  let wake: () => void = () => {};
  ws.onmessage = (e) => {
    inbox.push(JSON.parse(String(e.data)));
    wake();
  };
  const closed = new Promise<number>((r) => ws.addEventListener("close", (e) => r(e.code)));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return {
    sendJson: (m) => ws.send(JSON.stringify(m)),
    sendRaw: (data) => ws.send(data),
    async next(pred = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error(`no message matched: ${JSON.stringify(inbox)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
    },
    closed,
    close() {
      ws.close();
      return closed;
    },
  };
}
