/**
 * Who is asking. The request guard attaches an identity to every request it lets through;
 * routes, mounts and services read it back here (REST and WebSocket by the Request, Connect
 * services by their context values).
 * @module
 */
import { createContextKey } from "@connectrpc/connect";
import { BusError } from "../errors.ts";
import { allows, type Scope } from "./scopes.ts";

export interface Identity {
  /** Stable owner name: the token id, or a fixed name for anonymous and console callers. */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** How it was established (for logs and docs). */
  readonly via: "token" | "session" | "loopback" | "allow-list" | "public";
}

/** No token, no session: may reach only the public pages. */
export const PUBLIC: Identity = { name: "anonymous", scopes: new Set(), via: "public" };

const byRequest = new WeakMap<Request, Identity>();

export function attachIdentity(req: Request, identity: Identity): void {
  byRequest.set(req, identity);
}

/** The identity the guard gave this request (anonymous when it never passed the guard). */
export function identityOf(req: Request): Identity {
  return byRequest.get(req) ?? PUBLIC;
}

/** Whom rates and stream caps count: the token (or session) when there is one, else the address. */
export function clientName(identity: Identity, remoteAddr: string): string {
  return identity.via === "token" || identity.via === "session" ? identity.name : remoteAddr;
}

/** The caller of a Connect RPC, set by both listeners from the same guard. */
export const IDENTITY_KEY = createContextKey<Identity>(PUBLIC, { description: "caller identity" });

/** Throws permission_denied unless `identity` holds `scope` (checks inside a connection). */
export function requireScope(identity: Identity, scope: Scope): void {
  if (allows(identity.scopes, scope)) return;
  throw new BusError("permission_denied", `This needs the "${scope}" scope`, {
    details: [{ needed_scope: scope, identity: identity.name }],
  });
}
