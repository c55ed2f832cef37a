/**
 * Serving Connect services: the list of registrations app.ts passes in, mounted on the main
 * port (Connect and gRPC-Web over HTTP/1.1, h2c and TLS h2) and on the native gRPC listener.
 * A service area exports one `ServiceRegistration`; nothing here knows which services exist.
 * @module
 */
import { type ConnectRouter, createConnectRouter, createContextValues } from "@connectrpc/connect";
import {
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import type { Logger } from "../logger.ts";
import { IDENTITY_KEY, identityOf } from "../auth/mod.ts";
import { errorInterceptor, undecodableAsInvalid } from "./errors.ts";

/** Adds one service (or a few RPCs) to a router: `(router) => router.service(Desc, impl)`. */
export type ServiceRegistration = (router: ConnectRouter) => void;

/** Options both listeners share. */
export interface RpcOptions {
  readonly logger: Logger;
  /** Largest request message, bytes. */
  readonly readMaxBytes: number;
  /** Aborts every open call (graceful shutdown ends long streams). */
  readonly shutdownSignal?: AbortSignal;
}

/** Everything common to both routers: error mapping, limits, shutdown. */
export function routerOptions(opts: RpcOptions) {
  return {
    interceptors: [errorInterceptor(opts.logger)],
    // Undecodable binary protobuf is invalid_argument on every RPC of both ports.
    requestGate: undecodableAsInvalid(opts.logger),
    // An unknown JSON field is a mistake worth naming (invalid_argument), not data to drop.
    jsonOptions: { ignoreUnknownFields: false },
    readMaxBytes: opts.readMaxBytes,
    shutdownSignal: opts.shutdownSignal,
  };
}

/** Answers a fetch Request for an RPC path, or null when the path is no registered RPC. */
export type FetchRpcHandler = (req: Request, path: string) => Promise<Response> | null;

/**
 * The Connect and gRPC-Web handler for Deno.serve. Native gRPC needs HTTP trailers, which a
 * fetch Response cannot send, so it is served on the gRPC port instead (grpc: false here).
 */
export function createFetchRpcHandler(
  services: readonly ServiceRegistration[],
  opts: RpcOptions,
): { handle: FetchRpcHandler; paths: readonly string[] } {
  const router = createConnectRouter({ ...routerOptions(opts), grpc: false });
  for (const register of services) register(router);
  const byPath = new Map<string, UniversalHandler>();
  for (const h of router.handlers) byPath.set(h.requestPath, h);
  return {
    paths: [...byPath.keys()],
    handle(req, path) {
      const handler = byPath.get(path);
      if (!handler) return null;
      return (async () => {
        // The identity the guard gave the request reaches the services as a context value.
        const ureq = {
          ...universalServerRequestFromFetch(req, {}),
          contextValues: createContextValues().set(IDENTITY_KEY, identityOf(req)),
        };
        return universalServerResponseToFetch(await handler(ureq));
      })();
    },
  };
}
