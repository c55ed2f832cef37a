/**
 * The one error type every layer throws; http/ (and later rpc/) translate it to the wire.
 * Imports nothing of ours, so any module may use it.
 * @module
 */

/** What went wrong, independent of the protocol that reports it. */
export type ErrorKind =
  | "malformed"
  | "not_found"
  | "method_not_allowed"
  | "timeout"
  | "too_large"
  | "headers_too_large"
  | "unsupported_media_type"
  | "over_limit"
  | "not_ready"
  | "unauthenticated"
  | "permission_denied"
  | "internal";

/** Extra facts an error carries to the client. */
export interface BusErrorOptions extends ErrorOptions {
  /** Machine-readable particulars, sent as `details` in the JSON error body. */
  details?: unknown[];
  /** Seconds the client should wait before retrying (429, 503). */
  retryAfterS?: number;
  /** Allowed methods, for 405 answers. */
  allow?: string[];
}

/** An error whose message can be shown to the client as it is. */
export class BusError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly opts: BusErrorOptions = {},
  ) {
    super(message, opts);
    this.name = "BusError";
  }
}

/** HTTP status of each kind (Connect codes are added beside it by rpc/). */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  malformed: 400,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  too_large: 413,
  headers_too_large: 431,
  unsupported_media_type: 415,
  over_limit: 429,
  not_ready: 503,
  unauthenticated: 401,
  permission_denied: 403,
  internal: 500,
};

/**
 * Why the bus (or a command) cannot start, as one sentence for the operator, with the exit code
 * the process ends with: 2 for a wrong invocation or configuration, 1 for anything else.
 */
export class StartupError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartupError";
  }
}
