/**
 * The native gRPC listener (grpcio, tonic): node:http2 with connectNodeAdapter, running the same
 * service registrations as the main port. Cleartext h2c, or TLS when a certificate is given.
 * @module
 */
import * as http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { routerOptions, type RpcOptions, type ServiceRegistration } from "./services.ts";

/** How long open sessions get to close on their own when the listener stops. */
const SESSION_CLOSE_GRACE_MS = 2_000;

export interface GrpcServerOptions extends RpcOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface RunningGrpcServer {
  readonly port: number;
  /** Stops accepting; open calls end through the shutdown signal, then sessions close. */
  close(): Promise<void>;
}

export async function startGrpcServer(
  services: readonly ServiceRegistration[],
  opts: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  const handler = connectNodeAdapter({
    ...routerOptions(opts),
    routes: (router) => {
      for (const register of services) register(router);
    },
  });
  const sessions = new Set<http2.Http2Session>();
  const server = opts.tls
    ? http2.createSecureServer(
      { cert: opts.tls.cert, key: opts.tls.key, allowHTTP1: false },
      handler,
    )
    : http2.createServer({}, handler);
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  server.once("error", reject);
  server.listen(opts.port, opts.host, () => {
    const addr = server.address();
    resolve(typeof addr === "object" && addr ? addr.port : opts.port);
  });
  const port = await promise;
  return {
    port,
    close() {
      return new Promise<void>((done) => {
        // Sessions that have not closed within the grace period are destroyed.
        const force = setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, SESSION_CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          done();
        });
        for (const s of sessions) s.close();
      });
    },
  };
}
