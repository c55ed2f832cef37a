/**
 * The scope each request needs: one table for REST routes, streams and RPCs (by service and
 * method). Anything under /api/ or an RPC path that is not listed needs `admin`, so a new route
 * is closed until someone decides who may use it.
 * @module
 */
import type { Scope } from "./scopes.ts";

/**
 * "public" needs no identity (health, the console's pages and the login exchange); "any" needs
 * an identity with some scope (a WebSocket, whose messages are checked one by one).
 */
export type Need = Scope | "public" | "any";

const REST: Readonly<Record<string, Need>> = {
  "POST /api/v1/events": "ingest",
  "POST /api/v1/events/batch": "ingest",
  "POST /api/v1/events/health": "ingest",
  "GET /api/v1/commands/poll": "poll",
  "POST /api/v1/commands": "commands",
  "GET /api/v1/events": "read",
  "GET /api/v1/deadletter": "read",
  "GET /api/v1/stream": "read",
  "GET /api/v1/ws": "any",
  "GET /metrics": "read",
  "POST /api/v1/session": "public",
  "DELETE /api/v1/session": "public",
};

const RPC_SERVICE: Readonly<Record<string, Scope>> = {
  "jimbot.coordinator.v1.ResourceCoordinator": "coordinator",
  "jimbot.advisor.v1.Advisor": "read",
};
const EVENT_BUS = "jimbot.bus.v1.EventBus";

/**
 * The scope `method path` needs. A WebSocket that takes the game's commands (`?commands=1`)
 * needs `poll` for its upgrade; its messages are checked by ws.ts against the identity.
 */
export function requiredScope(method: string, url: URL): Need {
  const path = url.pathname;
  const m = method === "HEAD" ? "GET" : method;
  if (path === "/api/v1/ws" && /^(1|true)$/.test(url.searchParams.get("commands") ?? "")) {
    return "poll";
  }
  const listed = REST[`${m} ${path}`];
  if (listed) return listed;
  if (m === "GET" && path.startsWith("/api/v1/events/")) return "read";
  if (path.startsWith("/api/v1/analytics/")) return "analytics";
  // The MLflow-compatible tracking API and its artifacts (src/mlflow/).
  if (path.startsWith("/api/2.0/mlflow/") || path.startsWith("/api/2.0/mlflow-artifacts/")) {
    return "experiments";
  }
  const rpc = /^\/(jimbot\.[\w.]+)\/(\w+)$/.exec(path);
  if (rpc) return rpcScope(rpc[1], rpc[2]);
  if (path.startsWith("/api/") || path.startsWith("/jimbot.") || m !== "GET") return "admin";
  // Health and readiness, the console's pages and assets, /login: nothing secret.
  return "public";
}

function rpcScope(service: string, method: string): Need {
  if (service === EVENT_BUS) {
    // Stream carries publishes and subscriptions: each is checked when it arrives.
    return method === "Publish" ? "ingest" : method === "Stream" ? "any" : "read";
  }
  return RPC_SERVICE[service] ?? "admin";
}
