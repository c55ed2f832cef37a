/**
 * Auth at start: the tokens file (watched for changes), the console's one-time login link, and
 * the refusal to listen on a network address without tokens unless the risk is accepted.
 * @module
 */
import type { Logger } from "../logger.ts";
import { AddressList, isLoopbackHost } from "./addresses.ts";
import { Guard } from "./guard.ts";
import { Sessions } from "./sessions.ts";
import { TokenStore } from "./tokens.ts";

import type { AuthConfig } from "../config.ts";

export type { AuthConfig };

export const TOKENS_FILE_NAME = "tokens.json";
/** How often the tokens file is checked for changes. */
const RELOAD_INTERVAL_MS = 1_000;

export function tokensPath(auth: AuthConfig, dataDir: string): string {
  return auth.tokensFile || `${dataDir}/${TOKENS_FILE_NAME}`;
}

export interface RunningAuth {
  readonly guard: Guard;
  /** Logs the console's one-time login link once the port is known. */
  announce(port: number): void;
  close(): void;
}

export async function startAuth(
  auth: AuthConfig,
  opts: { host: string; dataDir: string; tls: boolean; logger: Logger },
): Promise<RunningAuth> {
  const { logger } = opts;
  let modAllow: AddressList;
  try {
    modAllow = new AddressList(auth.modAllow);
  } catch (err) {
    throw new Error(`Cannot start: --mod-allow: ${(err as Error).message}`);
  }
  const tokens = await TokenStore.open(tokensPath(auth, opts.dataDir));
  if (!isLoopbackHost(opts.host)) {
    if (tokens.size === 0 && !auth.allowInsecureNetwork) {
      throw new Error(
        `Cannot start: --host ${opts.host} is reachable from the network but ${tokens.path} ` +
          "holds no token; create one with `jimbot token create --name NAME --scopes SCOPES`, " +
          "or pass --allow-insecure-network=true to accept the risk",
      );
    }
    if (tokens.size === 0 || !opts.tls) {
      logger.warn("listening on a network address", {
        host: opts.host,
        tokens: tokens.size,
        tls: opts.tls,
        risk: tokens.size === 0
          ? "no token exists: only --mod-allow networks can act, unauthenticated"
          : "no TLS: tokens and events cross the network in cleartext",
      });
    }
  }
  tokens.watch(
    RELOAD_INTERVAL_MS,
    () => logger.info("tokens reloaded", { file: tokens.path, tokens: tokens.size }),
    (error) => logger.warn("tokens file unreadable; keeping the previous tokens", { error }),
  );
  const sessions = new Sessions();
  const guard = new Guard({ ...auth, modAllow }, tokens, sessions);
  return {
    guard,
    announce(port) {
      const host = isLoopbackHost(opts.host) && opts.host !== "localhost" ? opts.host : "127.0.0.1";
      const url = `${
        opts.tls ? "https" : "http"
      }://${host}:${port}/login?token=${sessions.loginToken}`;
      // The one secret the bus prints: it works once, and only until the next start.
      logger.info("console login link (works once)", { url });
    },
    close: () => tokens.close(),
  };
}
