/**
 * What an identity may do. Each route or RPC needs one scope (see request_scope.ts); `admin`
 * implies every other.
 * @module
 */

export const SCOPES = [
  "ingest",
  "poll",
  "read",
  "commands",
  "coordinator",
  "analytics",
  "experiments",
  "admin",
] as const;

export type Scope = (typeof SCOPES)[number];

/** What the unmodified mod needs: post events, poll its commands. */
export const MOD_SCOPES: readonly Scope[] = ["ingest", "poll"];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** `"read,commands"` → scopes; throws naming the first unknown one. */
export function parseScopes(text: string): Scope[] {
  const scopes = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of scopes) {
    if (!isScope(s)) throw new Error(`unknown scope "${s}"; scopes are ${SCOPES.join(", ")}`);
  }
  if (scopes.length === 0) throw new Error(`no scope given; scopes are ${SCOPES.join(", ")}`);
  return [...new Set(scopes)] as Scope[];
}

export function allows(granted: ReadonlySet<Scope>, needed: Scope): boolean {
  return granted.has(needed) || granted.has("admin");
}
