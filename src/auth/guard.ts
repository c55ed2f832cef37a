/**
 * The one check every request passes before it is routed, on both listeners: the Host is one a
 * DNS-rebinding page cannot use, a browser request comes from our own origin (or a configured
 * CORS origin), the caller has an identity (token, console session, or the mod's exemption) and
 * that identity holds the scope the request needs. It decides only; guarded_handler.ts and
 * grpc_server.ts turn a refusal into their wire's answer.
 * @module
 */
import { BusError } from "../errors.ts";
import type { AddressList } from "./addresses.ts";
import { isIpLiteral, isLoopbackAddress } from "./addresses.ts";
import { type Identity, PUBLIC } from "./identity.ts";
import { requiredScope } from "./request_scope.ts";
import { allows, MOD_SCOPES, SCOPES } from "./scopes.ts";
import { sessionCookie, type Sessions } from "./sessions.ts";
import type { TokenStore } from "./tokens.ts";

export interface AuthPolicy {
  /** Host names accepted besides loopback names and IP literals (e.g. a VM's name for the host). */
  readonly allowedHosts: readonly string[];
  /** Browser origins allowed to call the API (CORS), e.g. `http://localhost:5173`. */
  readonly corsOrigins: readonly string[];
  /** Loopback clients that are not browsers get ingest+poll without a token. */
  readonly anonymousLoopback: boolean;
  /** Source networks that get ingest+poll without a token (a mod in a VM). */
  readonly modAllow: AddressList;
}

/** What the guard needs to know of a request, whatever the listener. */
export interface GuardRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  /** The peer's IP address. */
  readonly remoteAddr: string;
}

/** Every scope: what the console's one-time login grants (a local admin). */
export const LOCAL_ADMIN: Identity = {
  name: "console-admin",
  scopes: new Set(SCOPES),
  via: "session",
};

export class Guard {
  readonly #hosts: ReadonlySet<string>;
  readonly #origins: ReadonlySet<string>;

  constructor(
    readonly policy: AuthPolicy,
    readonly tokens: TokenStore,
    readonly sessions: Sessions,
  ) {
    this.#hosts = new Set(policy.allowedHosts.map((h) => h.toLowerCase()));
    this.#origins = new Set(policy.corsOrigins);
  }

  /** The caller's identity when the request may proceed; throws a BusError (401/403) otherwise. */
  check(req: GuardRequest): Identity {
    this.#checkHost(req);
    const need = requiredScope(req.method, req.url);
    this.#checkBrowser(req, need === "public");
    const identity = this.identify(req);
    if (need === "public") return identity;
    if (need === "any" ? identity.scopes.size > 0 : allows(identity.scopes, need)) return identity;
    // No token or session was presented: the mod's exemptions are not a credential.
    if (identity.via !== "token" && identity.via !== "session") {
      throw new BusError(
        "unauthenticated",
        `This needs a token with the "${need}" scope: send Authorization: Bearer <token> ` +
          "(create one with `jimbot token create`)",
        { details: [{ needed_scope: need }] },
      );
    }
    throw new BusError(
      "permission_denied",
      `Your token lacks the "${need}" scope this needs`,
      { details: [{ needed_scope: need, identity: identity.name }] },
    );
  }

  /** A browser origin allowed to read answers (CORS), or null. */
  corsOrigin(headers: Headers): string | null {
    const origin = headers.get("origin");
    return origin !== null && this.#origins.has(origin) ? origin : null;
  }

  /** Token, then session cookie, then the mod's exemptions; anonymous otherwise. */
  identify(req: GuardRequest): Identity {
    const bearer = bearerToken(req);
    if (bearer !== null) {
      const entry = this.tokens.verify(bearer);
      if (!entry) throw new BusError("unauthenticated", "The token is unknown or revoked");
      return { name: entry.id, scopes: new Set(entry.scopes), via: "token" };
    }
    const cookie = sessionCookie(req.headers.get("cookie"));
    const session = cookie === null ? null : this.sessions.find(cookie);
    if (session) return session;
    // A browser never gets the exemptions: any web page could otherwise use them.
    if (isBrowser(req.headers)) return PUBLIC;
    if (this.policy.anonymousLoopback && isLoopbackAddress(req.remoteAddr)) {
      return { name: "mod@loopback", scopes: new Set(MOD_SCOPES), via: "loopback" };
    }
    if (this.policy.modAllow.has(req.remoteAddr)) {
      return { name: `mod@${req.remoteAddr}`, scopes: new Set(MOD_SCOPES), via: "allow-list" };
    }
    return PUBLIC;
  }

  /** DNS rebinding: a page on evil.example resolving to 127.0.0.1 still says Host: evil.example. */
  #checkHost(req: GuardRequest): void {
    const host = hostName(req.headers.get("host") ?? req.url.host);
    if (
      host === "" || isIpLiteral(host) || host === "localhost" || host.endsWith(".localhost") ||
      this.#hosts.has(host)
    ) return;
    throw new BusError(
      "permission_denied",
      `Host "${host}" is not served here; add it with --allowed-hosts if it is yours`,
      { details: [{ host }] },
    );
  }

  /** Cross-site browser requests are refused, WebSocket upgrades included. */
  #checkBrowser(req: GuardRequest, isPublic: boolean): void {
    const origin = req.headers.get("origin");
    const site = req.headers.get("sec-fetch-site");
    if (origin !== null) {
      if (origin === req.url.origin || this.#origins.has(origin)) return;
      // The console's pages may be linked to; nothing else may be reached from another site.
      if (isPublic && req.method === "GET") return;
      throw foreign(`Requests from the web origin ${origin} are refused`, origin);
    }
    if (site === null || site === "same-origin" || site === "none" || isPublic) return;
    throw foreign(`Requests a browser marks Sec-Fetch-Site: ${site} are refused`, site);
  }
}

function foreign(message: string, what: string): BusError {
  return new BusError(
    "permission_denied",
    `${message}; allow an origin with --cors-origins`,
    { details: [{ refused: what }] },
  );
}

/** `Authorization: Bearer …`, or `access_token=` on a GET (EventSource and browsers' WebSocket
 * cannot set headers). */
function bearerToken(req: GuardRequest): string | null {
  const header = req.headers.get("authorization");
  if (header !== null) {
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!m) throw new BusError("unauthenticated", "Authorization must be `Bearer <token>`");
    return m[1];
  }
  return req.method === "GET" ? req.url.searchParams.get("access_token") : null;
}

/** Browsers send Origin on every cross-origin write and Sec-Fetch-* on everything. */
export function isBrowser(headers: Headers): boolean {
  return headers.has("origin") || headers.has("sec-fetch-site") || headers.has("sec-fetch-mode") ||
    /^Mozilla\//.test(headers.get("user-agent") ?? "");
}

function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}
