/**
 * Test kit: optional system tools (python3 with grpcio, openssl, protoc, cargo, PostgreSQL, Lua,
 * curl) found on PATH. A test that needs one runs when it is there and is skipped with the reason
 * in its name when it is not; CI (.ci/run) installs them all, so CI runs everything.
 * @module
 */

/** A tool that was found: the executable to run. */
export interface Found {
  readonly ok: true;
  readonly path: string;
}
/** A tool that was not found: why, and how to get it. */
export interface Missing {
  readonly ok: false;
  readonly reason: string;
}
export type Tool = Found | Missing;

/** Every `dir/name` on PATH that is a file, in PATH order. */
export function onPath(name: string): string[] {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  const found: string[] = [];
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    try {
      if (Deno.statSync(path).isFile && !found.includes(path)) found.push(path);
    } catch { /* not in this directory */ }
  }
  return found;
}

/** Whether `path args…` exits 0 (a probe such as `--version` or an import). */
export async function runs(path: string, args: readonly string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(path, { args: [...args], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The first `name` on PATH for which the probe succeeds. `install` is the hint in the reason
 * (e.g. "apt-get install python3-grpcio").
 */
export async function findTool(
  name: string,
  probe: readonly string[],
  install: string,
): Promise<Tool> {
  const candidates = onPath(name);
  for (const path of candidates) {
    if (await runs(path, probe)) return { ok: true, path };
  }
  const why = candidates.length === 0
    ? `no ${name} on PATH`
    : `${name} on PATH fails \`${name} ${probe.join(" ")}\``;
  return { ok: false, reason: `${why}; ${install}` };
}

/** The test name, with the reason it is skipped when the tool is missing. */
export function testName(name: string, ...tools: Tool[]): string {
  const missing = tools.filter((t): t is Missing => !t.ok).map((t) => t.reason);
  return missing.length === 0 ? name : `${name} (skipped: ${missing.join("; ")})`;
}

/** True when any tool is missing (Deno.test's `ignore`). */
export function anyMissing(...tools: Tool[]): boolean {
  return tools.some((t) => !t.ok);
}

/** The path of a tool a test only runs when it was found. */
export function pathOf(tool: Tool): string {
  if (!tool.ok) throw new Error(tool.reason);
  return tool.path;
}

/** python3 that can import grpc and google.protobuf (Debian: python3-grpcio, python3-protobuf). */
export const PYTHON_GRPC: Promise<Tool> = findTool(
  "python3",
  ["-c", "import grpc, google.protobuf"],
  "apt-get install python3-grpcio python3-protobuf (or pip install grpcio protobuf)",
);
