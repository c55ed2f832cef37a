/**
 * The only function given to Deno.serve for REST: finds the route, enforces the header limit,
 * times the request for metrics and turns every error into the JSON error body.
 * @module
 */
import { BusError } from "../errors.ts";
import { errorResponse } from "./responses.ts";
import type { HttpDeps, Route } from "./route.ts";

interface Matcher {
  readonly segments: readonly string[];
  readonly byMethod: ReadonlyMap<string, Route>;
  readonly pattern: string;
}

/** Called once per answered request (route pattern, or "unmatched"). */
export type RequestObserver = (
  route: string,
  method: string,
  status: number,
  seconds: number,
) => void;

/**
 * A handler mounted in front of the REST routes (Connect services, WebSocket, SSE): it answers
 * the paths it knows and returns null for the rest.
 */
export interface Mount {
  /** Metrics label of what it answers ("rpc", "/api/v1/ws", …). */
  readonly name: string;
  readonly handle: (req: Request, url: URL) => Promise<Response> | Response | null;
}

export function createHandler(
  routes: readonly Route[],
  deps: HttpDeps,
  observe: RequestObserver,
  mounts: readonly Mount[] = [],
): (req: Request) => Promise<Response> {
  const matchers = indexRoutes(routes);
  return async function handle(req) {
    const started = performance.now();
    const url = new URL(req.url);
    let pattern = "unmatched";
    let res: Response;
    try {
      checkHeaderSize(req.headers, deps.limits.maxHeaderBytes);
      let mounted: Promise<Response> | Response | null = null;
      for (const mount of mounts) {
        mounted = mount.handle(req, url);
        if (mounted === null) continue;
        pattern = mount.name;
        break;
      }
      if (mounted !== null) res = await mounted;
      else {
        const found = findRoute(matchers, url.pathname, req.method);
        pattern = found.pattern;
        res = await found.route.handle({ req, url, params: found.params, deps });
      }
    } catch (err) {
      res = errorResponse(err, deps.logger);
    }
    observe(pattern, req.method, res.status, (performance.now() - started) / 1000);
    return res;
  };
}

function indexRoutes(routes: readonly Route[]): Matcher[] {
  const byPath = new Map<string, Map<string, Route>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Map<string, Route>();
    methods.set(route.method, route);
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([pattern, byMethod]) => ({
    pattern,
    byMethod,
    segments: pattern.split("/"),
  }));
}

function findRoute(
  matchers: readonly Matcher[],
  path: string,
  method: string,
): { route: Route; params: Record<string, string>; pattern: string } {
  const segments = path.split("/");
  for (const m of matchers) {
    const params = matchSegments(m.segments, segments);
    if (!params) continue;
    const route = m.byMethod.get(method === "HEAD" ? "GET" : method);
    if (!route) {
      const allow = [...m.byMethod.keys()];
      throw new BusError(
        "method_not_allowed",
        `${method} is not allowed on ${m.pattern}; use ${allow.join(" or ")}`,
        { allow },
      );
    }
    return { route, params, pattern: m.pattern };
  }
  throw new BusError("not_found", `No route ${path}; see the README for the API`, {
    details: [{ path }],
  });
}

function matchSegments(
  pattern: readonly string[],
  path: readonly string[],
): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith("{") && p.endsWith("}")) {
      if (path[i] === "") return null;
      params[p.slice(1, -1)] = decodeSegment(path[i]);
    } else if (p !== path[i]) return null;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BusError("malformed", `Bad percent-encoding in the path segment "${segment}"`);
  }
}

function checkHeaderSize(headers: Headers, max: number): void {
  let bytes = 0;
  for (const [name, value] of headers) bytes += name.length + value.length + 4;
  if (bytes > max) {
    throw new BusError(
      "headers_too_large",
      `The request headers are ${bytes} bytes; the limit is ${max}`,
      { details: [{ bytes, limit: max }] },
    );
  }
}
