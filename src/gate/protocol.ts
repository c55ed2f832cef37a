/**
 * What the gate's worker and the main thread say to each other, and the memory they share.
 * Connections are named by `up`: the local port of the gate's connection to the internal
 * Deno.serve, which is the port Deno.serve reports as the request's remote port.
 * @module
 */

/** The caps and timeouts one gate enforces (milliseconds; 0 turns a timeout off). */
export interface GateSettings {
  /** Where clients connect (--host, --port). */
  readonly host: string;
  readonly port: number;
  /** The internal Deno.serve on 127.0.0.1. */
  readonly upstreamPort: number;
  /** TLS is terminated by the internal Deno.serve; the gate only pumps the encrypted bytes. */
  readonly tls: boolean;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** Which cap refused a connection. */
export type ConnectionCap = "total" | "per_address";
/** Which timeout closed a connection. */
export type ConnectionTimeout = "header" | "idle";

/** Main thread → worker. */
export type ToGate =
  | { readonly t: "start"; readonly settings: GateSettings; readonly shared: SharedArrayBuffer }
  /** The app answered `connection: close` on `up` and nothing else is in flight: close it. */
  | { readonly t: "close"; readonly up: number }
  /** Stop listening, close every connection, then answer "stopped". */
  /** Stop accepting; close what has not ended within `graceMs`. */
  | { readonly t: "stop"; readonly graceMs: number };

/** Worker → main thread. */
export type FromGate =
  | { readonly t: "listening"; readonly port: number }
  | { readonly t: "failed"; readonly name: string; readonly message: string }
  /** Sent before the first byte of the connection reaches Deno.serve. */
  | { readonly t: "open"; readonly up: number; readonly host: string; readonly port: number }
  | { readonly t: "closed"; readonly up: number }
  | {
    readonly t: "refused";
    readonly cap: ConnectionCap;
    readonly host: string;
    readonly limit: number;
  }
  | { readonly t: "timeout"; readonly kind: ConnectionTimeout; readonly host: string }
  | { readonly t: "accept_failed"; readonly message: string }
  | { readonly t: "stopped" };

/** One slot per TCP port. */
export const PORTS = 65_536;

/**
 * The shared counters: `Int32Array(2 * PORTS)`. Slot `up` holds the requests in flight on that
 * connection (the idle timeout never cuts a connection with one), slot `PORTS + up` counts the
 * requests begun on it (a new value means a request's headers arrived). Only the main thread
 * writes; the worker reads.
 */
export function sharedCounters(): { buffer: SharedArrayBuffer; counters: Int32Array } {
  const buffer = new SharedArrayBuffer(2 * PORTS * Int32Array.BYTES_PER_ELEMENT);
  return { buffer, counters: new Int32Array(buffer) };
}
