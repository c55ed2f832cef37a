/**
 * BusError as Connect/gRPC errors, for every registered service: one interceptor, so the
 * coordinator's RPCs get the same mapping as the EventBus's (a saturated log is an `over_limit`
 * BusError like any other); and undecodable request messages as the client's mistake.
 * @module
 */
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
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

/** How connect-es begins the message of a request message whose binary protobuf does not decode. */
const PARSE_BINARY = "parse binary: ";

/**
 * A request gate (router option `requestGate`) that makes a request message whose binary
 * protobuf does not decode `invalid_argument` naming its type, instead of connect-es's
 * `internal`, on every RPC, protocol and port.
 *
 * connect-es parses a unary call's message before any interceptor runs, and a stream's messages
 * while the implementation reads them, so no interceptor sees every case. What every protocol's
 * handler (Connect unary and streaming, gRPC, gRPC-Web) does share is that it passes the error to
 * the call context's `abort` just before encoding it (Connect's JSON body or end-of-stream
 * message, the gRPC status trailers): a listener on the call's signal, added here before the body
 * is read, changes the code and message of that error in place. Nothing runs per message, so a
 * valid `Stream` pays one listener per call.
 */
export function undecodableAsInvalid(logger: Logger): (ctx: HandlerContext) => void {
  return (ctx) => {
    const { signal } = ctx;
    signal.addEventListener("abort", () => {
      const err: unknown = signal.reason;
      if (
        !(err instanceof ConnectError) || err.code !== Code.Internal ||
        !err.rawMessage.startsWith(PARSE_BINARY)
      ) return;
      const why = err.rawMessage.slice(PARSE_BINARY.length);
      const type = ctx.method.input.typeName;
      const invalid = new ConnectError(
        `The request message is not a valid ${type} in binary protobuf: ${why}`,
        Code.InvalidArgument,
      );
      // The handler encodes this very object next: a new error could not take its place.
      Object.assign(err, {
        code: invalid.code,
        rawMessage: invalid.rawMessage,
        message: invalid.message,
      });
      logger.debug("rpc request not decodable", {
        rpc: `${ctx.service.typeName}/${ctx.method.name}`,
        protocol: ctx.protocolName,
        reason: why,
      });
    }, { once: true });
  };
}
