/**
 * Test kit for the Lua client: the interpreters present (luajit, lua5.4, each with LuaSocket),
 * the mod's event mix from the fixtures as Lua tables, and sessions played by _session.lua.
 * @module
 */
import { FIXTURES } from "../integration/_bus.ts";

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SESSION = new URL("./_session.lua", import.meta.url).pathname;

export const INTERPRETERS = ["luajit", "lua5.4"] as const;

/**
 * Registers `fn` as a test per interpreter; where one is missing (or lacks LuaSocket) its test is
 * ignored and its name says why.
 */
export async function luaTest(
  name: string,
  fn: (interpreter: string) => Promise<void>,
): Promise<void> {
  const { found, missing } = await interpreters();
  for (const interpreter of INTERPRETERS) {
    const absent = !found.includes(interpreter);
    const why = missing.find((m) => m.startsWith(interpreter));
    Deno.test({
      name: `lua ${interpreter}: ${name}${absent ? ` (skipped: ${why})` : ""}`,
      ignore: absent,
      fn: () => fn(interpreter),
    });
  }
}

/** luajit and lua5.4 when on PATH with LuaSocket; the reason for each one missing. */
async function interpreters(): Promise<{ found: string[]; missing: string[] }> {
  const found: string[] = [];
  const missing: string[] = [];
  for (const name of INTERPRETERS) {
    try {
      const out = await new Deno.Command(name, {
        args: ["-e", 'require("socket")'],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) found.push(name);
      else missing.push(`${name} has no LuaSocket (apt-get install lua-socket)`);
    } catch {
      missing.push(
        `${name} is not on PATH (apt-get install ${name === "luajit" ? name : "lua5.4"})`,
      );
    }
  }
  return { found, missing };
}

/** A JSON value as a Lua constructor expression. */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/\\u([0-9a-f]{4})/gi, "\\u{$1}");
  }
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "0/0";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(",")}}`;
  return `{${
    Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `[${toLua(k)}]=${toLua(v)}`).join(",")
  }}`;
}

/**
 * The mod's event mix: every event of the fixture batches of one game launch, without the
 * event_id and timestamp the client and session stamp.
 */
export function modTemplates(): Record<string, unknown>[] {
  const files = [
    "game_state_initial.json",
    "state_diff_batch.json",
    "heartbeat_batch.json",
    "scoring_sequence.json",
    "round_complete.json",
    "jokers_changed_empty.json",
    "menu_state.json",
  ];
  return files.flatMap((f) => {
    const batch = JSON.parse(Deno.readTextFileSync(FIXTURES + f));
    return (batch.events as Record<string, unknown>[]).map(
      ({ event_id: _id, timestamp: _ts, ...rest }) => rest,
    );
  });
}

export interface Plan {
  url: string;
  transport: "auto" | "websocket" | "rest";
  encoding: "json" | "protobuf";
  duration_s: number;
  drain_s: number;
  batch_interval_s: number;
  events_per_batch: number;
  frame_s?: number;
  timeout_ms?: number;
  retry_delay_ms?: number;
  max_backoff_ms?: number;
  fragment_size?: number;
  max_buffer_size?: number;
  frame_budget_ms?: number;
  /** Event ids fixed-00001… and timestamps 1.25, 2.25…: the same events on every run. */
  fixed_ids?: boolean;
  /** Adds an event with strings that are not valid UTF-8 to the templates. */
  invalid_utf8?: boolean;
  templates?: Record<string, unknown>[];
}

export interface SessionResult {
  interpreter: string;
  sent_ids: string[];
  acked_ids: string[];
  transports: string[];
  final_transport: string;
  local_buffer_size: number;
  in_flight_batches: number;
  stats: Record<string, number>;
  ack_latencies_ms: number[];
  /** [wall-clock seconds, Lua CPU ms spent in the client] per frame. */
  frames: [number, number][];
}

/** Starts a session; resolves with its result once the interpreter exits. */
export async function runSession(interpreter: string, plan: Plan): Promise<SessionResult> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-lua-" });
  try {
    const planPath = `${dir}/plan.lua`;
    const full = { root: ROOT, templates: modTemplates(), ...plan };
    await Deno.writeTextFile(planPath, `return ${toLua(full)}\n`);
    const out = await new Deno.Command(interpreter, { args: [SESSION, planPath] }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`${interpreter} failed:\n${new TextDecoder().decode(out.stderr)}\n${stdout}`);
    }
    const raw = JSON.parse(stdout);
    // json.lua writes an empty table as {}: read those as empty lists.
    for (const key of ["sent_ids", "acked_ids", "transports", "ack_latencies_ms", "frames"]) {
      if (!Array.isArray(raw[key])) raw[key] = [];
    }
    return raw as SessionResult;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The q-quantile (0..1) of numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Lua CPU ms per frame once the session is under way (the first half second warms up). */
export function steadyFrameMs(r: SessionResult): number[] {
  const start = r.frames[0]?.[0] ?? 0;
  return r.frames.filter(([t]) => t - start >= 0.5).map(([, ms]) => ms);
}

/** Every sent event was acknowledged, every acknowledged one is stored, none twice. */
export function assertDeliveredOnce(r: SessionResult, stored: Record<string, unknown>[]): void {
  const storedIds = stored.map((e) => e.event_id as string);
  if (new Set(storedIds).size !== storedIds.length) throw new Error("an event was stored twice");
  const storedSet = new Set(storedIds);
  const acked = new Set(r.acked_ids);
  for (const id of r.sent_ids) {
    if (!acked.has(id)) throw new Error(`event ${id} was never acknowledged`);
  }
  for (const id of acked) {
    if (!storedSet.has(id)) throw new Error(`acknowledged event ${id} is not stored`);
  }
}
