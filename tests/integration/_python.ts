/**
 * Finds a python3 on PATH that can import the given modules (the Debian one has grpcio and numpy;
 * a pyenv shim earlier on PATH may not). Null when none can.
 * @module
 */
export async function findPython(modules: readonly string[]): Promise<string | null> {
  const seen = new Set<string>();
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/python3`;
    let real: string;
    try {
      real = await Deno.realPath(candidate);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const probe = await new Deno.Command(candidate, {
      args: ["-c", `import ${modules.join(", ")}`],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => null);
    if (probe?.success) return candidate;
  }
  return null;
}
