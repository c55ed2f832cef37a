/**
 * The main port's entry: every request (REST, Connect, WebSocket, SSE, the console) passes
 * {@linkcode Guard.check} here before it is routed. It also answers what belongs to identity
 * itself: CORS preflights, the console's login link and `/api/v1/session`.
 * @module
 */
import { BusError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { errorResponse } from "./responses.ts";
import {
  type Admission,
  attachIdentity,
  clientName,
  type Guard,
  holdStream,
  type Identity,
  LOCAL_ADMIN,
  releaseWithBody,
  requiredScope,
  sessionCookie,
  setCookie,
  workClass,
} from "../auth/mod.ts";

export type ServeHandler = (req: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;

const SESSION_PATH = "/api/v1/session";
const LOGIN_PATH = "/login";
/** Largest body of POST /api/v1/session (a token in JSON). */
const MAX_SESSION_BODY = 4096;

export function guardedHandler(
  guard: Guard,
  admission: Admission,
  inner: (req: Request) => Promise<Response>,
  logger: Logger,
): ServeHandler {
  return async (req, info) => {
    const url = new URL(req.url);
    const remoteAddr = (info.remoteAddr as Deno.NetAddr).hostname ?? "";
    let res: Response;
    try {
      if (req.method === "OPTIONS" && req.headers.has("access-control-request-method")) {
        res = preflight(guard, req);
      } else {
        const identity = guard.check({ method: req.method, url, headers: req.headers, remoteAddr });
        attachIdentity(req, identity);
        const { done, stream } = admission.admit({
          remoteAddr,
          client: clientName(identity, remoteAddr),
          work: workClass(url, requiredScope(req.method, url)),
          bodyBytes: Number(req.headers.get("content-length") ?? 0) || 0,
        });
        try {
          if (stream) holdStream(req, stream);
          res = await (sessionRoute(guard, req, url) ?? inner(req));
          if (stream && res.status !== 101) res = releaseWithBody(res, stream);
        } catch (err) {
          stream?.();
          throw err;
        } finally {
          done();
        }
      }
    } catch (err) {
      if (err instanceof BusError && err.kind === "unauthenticated") {
        logger.debug("request refused", { path: url.pathname, remoteAddr, reason: err.message });
      }
      res = errorResponse(err, logger);
      if (err instanceof BusError && err.kind === "unauthenticated") {
        res.headers.set("www-authenticate", 'Bearer realm="jimbot"');
      }
    }
    const origin = guard.corsOrigin(req.headers);
    if (origin !== null && res.status !== 101) {
      res.headers.set("access-control-allow-origin", origin);
      res.headers.append("vary", "Origin");
    }
    return res;
  };
}

/** CORS preflight: answered only for a configured origin (refused otherwise). */
function preflight(guard: Guard, req: Request): Response {
  const origin = guard.corsOrigin(req.headers);
  if (origin === null) {
    throw new BusError("permission_denied", "This origin may not call the bus; see --cors-origins");
  }
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, POST, DELETE",
      "access-control-allow-headers": req.headers.get("access-control-request-headers") ?? "",
      "access-control-max-age": "600",
      "vary": "Origin",
    },
  });
}

/** `/login?token=` and `/api/v1/session`; null for every other request. */
function sessionRoute(
  guard: Guard,
  req: Request,
  url: URL,
): Promise<Response> | null {
  if (url.pathname === LOGIN_PATH && req.method === "GET") {
    const session = exchange(guard, url.searchParams.get("token") ?? "");
    return Promise.resolve(
      new Response(null, { status: 303, headers: { location: "/", "set-cookie": session } }),
    );
  }
  if (url.pathname !== SESSION_PATH) return null;
  if (req.method === "DELETE") {
    const id = sessionCookie(req.headers.get("cookie"));
    if (id !== null) guard.sessions.close(id);
    return Promise.resolve(
      new Response(null, { status: 204, headers: { "set-cookie": setCookie(null) } }),
    );
  }
  if (req.method !== "POST") {
    throw new BusError("method_not_allowed", `Use POST or DELETE on ${SESSION_PATH}`, {
      allow: ["POST", "DELETE"],
    });
  }
  return (async () => {
    const token = await sessionBodyToken(req);
    return new Response(null, {
      status: 204,
      headers: { "set-cookie": exchange(guard, token) },
    });
  })();
}

/** A Set-Cookie for the one-time login token or a bearer token; 401 for anything else. */
function exchange(guard: Guard, token: string): string {
  let identity: Identity | null = null;
  if (guard.sessions.spendLoginToken(token)) identity = LOCAL_ADMIN;
  else {
    const entry = guard.tokens.verify(token);
    if (entry) identity = { name: entry.id, scopes: new Set(entry.scopes), via: "token" };
  }
  if (!identity) {
    throw new BusError(
      "unauthenticated",
      "The login token is unknown or already used; restart the bus for a new link, or use a token",
    );
  }
  return setCookie(guard.sessions.open(identity));
}

async function sessionBodyToken(req: Request): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body ?? []) {
    size += chunk.length;
    if (size > MAX_SESSION_BODY) {
      throw new BusError("too_large", `The session request is over ${MAX_SESSION_BODY} bytes`);
    }
    chunks.push(chunk);
  }
  const text = await new Blob(chunks as Uint8Array<ArrayBuffer>[]).text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BusError("malformed", 'Send {"token": "<token>"} as JSON');
  }
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== "string") throw new BusError("malformed", 'Send {"token": "<token>"}');
  return token;
}
