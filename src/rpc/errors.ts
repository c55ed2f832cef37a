/**
 * BusError as Connect/gRPC errors, for every registered service: one interceptor, so the
 * coordinator's RPCs get the same mapping as the EventBus's (a saturated log is an `over_limit`
 * BusError like any other).
 * @module
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BusError, type ErrorKind } from "../errors.ts";
import type { Logger } from "../logger.ts";

/** Connect code of each kind (not one-to-one with HTTP: Connect has no "payload too large"). */
export const CONNECT_CODE: Readonly<Record<ErrorKind, Code>> = {
  malformed: Code.InvalidArgument,
  not_found: Code.NotFound,
  method_not_allowed: Code.Unimplemented,
  timeout: Code.DeadlineExceeded,
  too_large: Code.ResourceExhausted,
  headers_too_large: Code.ResourceExhausted,
  unsupported_media_type: Code.InvalidArgument,
  over_limit: Code.ResourceExhausted,
  not_ready: Code.Unavailable,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  internal: Code.Internal,
};

/** The Connect error a client should see for `err`; unexpected errors are logged once. */
export function toConnectError(err: unknown, logger: Logger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof BusError) {
    const retry = err.opts.retryAfterS;
    const metadata = retry === undefined ? undefined : { "retry-after": String(retry) };
    return new ConnectError(err.message, CONNECT_CODE[err.kind], metadata);
  }
  if (err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError")) {
    return new ConnectError("The call was cancelled", Code.Canceled);
  }
  logger.error("rpc failed", { error: err });
  return new ConnectError(
    "The bus failed to handle this call; it is logged, please retry",
    Code.Internal,
  );
}

/** Maps errors of unary calls and of streamed responses. */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, logger) };
    } catch (err) {
      throw toConnectError(err, logger);
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: Logger): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw toConnectError(err, logger);
  }
}
