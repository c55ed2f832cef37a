/**
 * Browser sessions for the web console: a cookie that stands for the token that created it.
 * The bus makes one one-time login token at start (printed as a link); exchanging it gives a
 * session with every scope of a local admin. Sessions live in memory only: a restart logs out.
 * @module
 */
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import type { Identity } from "./identity.ts";
import { randomId } from "./tokens.ts";

export const SESSION_COOKIE = "jimbot_session";
const SESSION_TTL_MS = 12 * 3600_000;
/** Oldest sessions are dropped beyond this (bounds memory). */
const MAX_SESSIONS = 1_000;

export class Sessions {
  readonly #byId = new Map<string, { identity: Identity; expiresAt: number }>();
  #loginToken: string | null = randomId(24);

  /** The one-time login token (null once used). */
  get loginToken(): string | null {
    return this.#loginToken;
  }

  /** True exactly once, for the login token; it is spent by this call. */
  spendLoginToken(token: string): boolean {
    if (this.#loginToken === null || !constantTimeEqual(token, this.#loginToken)) return false;
    this.#loginToken = null;
    return true;
  }

  /** A new session id for `identity`. */
  open(identity: Identity): string {
    const id = randomId(32);
    this.#byId.set(id, {
      identity: { ...identity, via: "session" },
      expiresAt: Date.now() + SESSION_TTL_MS,
    });
    if (this.#byId.size > MAX_SESSIONS) this.#byId.delete(this.#byId.keys().next().value!);
    return id;
  }

  find(id: string): Identity | null {
    const s = this.#byId.get(id);
    if (!s) return null;
    if (s.expiresAt < Date.now()) {
      this.#byId.delete(id);
      return null;
    }
    return s.identity;
  }

  close(id: string): void {
    this.#byId.delete(id);
  }
}

/** The session id in a Cookie header, if any. */
export function sessionCookie(header: string | null): string | null {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return null;
}

/** Set-Cookie for a new session, or for logging out (`null`). */
export function setCookie(id: string | null): string {
  const base = `${SESSION_COOKIE}=${id ?? ""}; HttpOnly; SameSite=Strict; Path=/`;
  return id === null ? `${base}; Max-Age=0` : `${base}; Max-Age=${SESSION_TTL_MS / 1000}`;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
