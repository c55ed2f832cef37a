// Command-line options of the benches, read with node:util parseArgs: `--name=value` (split at
// the first "=", so a value may hold more: --v8-flags=--x=1) and bare `--name` (true).
import { parseArgs } from "node:util";

export function benchArgs(): Record<string, string> {
  const { values } = parseArgs({ args: Deno.args, strict: false, allowPositionals: true });
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
}
