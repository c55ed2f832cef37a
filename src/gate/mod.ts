/** The connection gate in front of the main port's Deno.serve (docs/security.md). */
export { type Gate, type GateEvents, startGate } from "./gate.ts";
export { autoMaxConnections, openFileLimit } from "./open_files.ts";
export type { ConnectionCap, ConnectionTimeout, GateSettings } from "./protocol.ts";
