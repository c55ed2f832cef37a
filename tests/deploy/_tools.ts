/**
 * Test kit: finding the external tools the deploy tests drive.
 * @module
 */

/** The absolute path of `name` on PATH, or null when it is not installed. */
export function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}
