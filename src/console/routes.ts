/**
 * `GET /`: the web console for browsers, a small JSON index of the API for everything else;
 * `GET /console/{file}`: the console's embedded script, style and chart library.
 * @module
 */
import { BusError } from "../errors.ts";
import { json } from "../http/responses.ts";
import type { Route, RouteContext } from "../http/route.ts";
import { type Asset, ASSETS, PAGE } from "./assets.ts";

/** Same-origin only: the console loads nothing from elsewhere and is never framed. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; " +
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export const consoleRoutes: readonly Route[] = [
  { method: "GET", path: "/", handle: root },
  { method: "GET", path: "/console/{file}", handle: asset },
];

function root({ req, deps }: RouteContext): Response {
  if (prefersHtml(req.headers.get("accept"))) return served(PAGE);
  return json(200, {
    name: "jimbot-bus",
    version: deps.version,
    links: {
      console: "/ (with Accept: text/html)",
      health: "/health",
      ready: "/ready",
      metrics: "/metrics",
      ingest: "/api/v1/events/batch",
      events: "/api/v1/events",
      dead_letters: "/api/v1/deadletter",
      commands: "/api/v1/commands",
      stream_sse: "/api/v1/stream",
      stream_ws: "/api/v1/ws",
      analytics: "/api/v1/analytics/query",
      event_bus: "/jimbot.bus.v1.EventBus/",
      coordinator: "/jimbot.coordinator.v1.ResourceCoordinator/",
      advisor: "/jimbot.advisor.v1.Advisor/",
    },
    docs: "README.md and docs/ of the JimBot Bus source tree",
  });
}

function asset({ params }: RouteContext): Response {
  const found = ASSETS.get(params.file);
  if (!found) {
    throw new BusError(
      "not_found",
      `No console file "${params.file}"; there are ${[...ASSETS.keys()].join(", ")}`,
    );
  }
  return served(found);
}

/** Revalidated on each load, so a new build of the bus is picked up at once. */
function served(file: Asset): Response {
  return new Response(file.body, {
    headers: { "content-type": file.type, "cache-control": "no-cache", ...SECURITY_HEADERS },
  });
}

/** True when the client asks for HTML before JSON (a browser navigating), by Accept order. */
function prefersHtml(accept: string | null): boolean {
  if (!accept) return false;
  const types = accept.split(",").map((part) => part.split(";")[0].trim().toLowerCase());
  const html = types.indexOf("text/html");
  const jsonAt = types.indexOf("application/json");
  return html >= 0 && (jsonAt < 0 || html < jsonAt);
}
