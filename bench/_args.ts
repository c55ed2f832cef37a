// Command-line options of the benches: `--name=value` (split at the first "=" only, since a
// value may hold more: --v8-flags=--x=1) and bare `--name` (true).
export function benchArgs(): Record<string, string> {
  return Object.fromEntries(
    Deno.args.filter((a) => a.startsWith("--")).map((a) => {
      const at = a.indexOf("=");
      return at < 0 ? [a.slice(2), "true"] : [a.slice(2, at), a.slice(at + 1)];
    }),
  );
}
