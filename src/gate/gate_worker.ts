/**
 * The gate's worker: its own thread runs the accept loop and every pump, so the bytes of each
 * connection cost the main thread (ingest, the log, the bus) only Deno.serve's own work.
 * Started by {@linkcode startGate}; see protocol.ts for what it is told and says.
 * @module
 */
import { GateLoop } from "./_gate_loop.ts";
import type { FromGate, ToGate } from "./protocol.ts";

const port = globalThis as unknown as { postMessage(message: unknown): void };
const post = (message: FromGate) => port.postMessage(message);
let loop: GateLoop | null = null;

globalThis.addEventListener("message", (event: Event) => {
  const message = (event as MessageEvent<ToGate>).data;
  switch (message.t) {
    case "start": {
      try {
        loop = new GateLoop(message.settings, new Int32Array(message.shared), post);
      } catch (err) {
        const { name, message: text } = err as Error;
        post({ t: "failed", name, message: text });
        return;
      }
      post({ t: "listening", port: loop.port });
      loop.run();
      return;
    }
    case "close":
      loop?.closeAfterAnswer(message.up);
      return;
    case "stop":
      (loop?.stop(message.graceMs) ?? Promise.resolve()).then(() => post({ t: "stopped" }));
      return;
  }
});
