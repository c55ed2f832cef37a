/**
 * Summarises V8 CPU profiles (`deno run --cpu-prof`, e.g. from bench/ingest.ts --cpu-prof=DIR):
 * the functions with the most self time, and self time per source area (src/log/, src/http/, npm
 * packages, Deno's runtime, …). Markdown tables, for docs/benchmarks.md.
 *
 *   deno run -A bench/profile_top.ts FILE.cpuprofile [--top=25]
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = Deno.args.find((a) => !a.startsWith("--"));
if (!file) throw new Error("usage: profile_top.ts FILE.cpuprofile [--top=25]");
const top = Number(Deno.args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
const profile: Profile = JSON.parse(await Deno.readTextFile(file));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const root = new URL("../", import.meta.url).href;

/** Microseconds of self time per node, from the sample stream. */
const self = new Map<number, number>();
profile.samples.forEach((id, i) =>
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
);
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (url.startsWith(root)) return url.slice(root.length);
  const npm = /registry\.npmjs\.org\/([^/]+(?:\/[^/]+)?)\/[\d.]+\//.exec(url);
  if (npm) return `npm:${npm[1]}`;
  return url || "(native)";
}

function area(url: string): string {
  const w = where(url);
  if (w.startsWith("src/")) return w.split("/").slice(0, 2).join("/");
  if (w.startsWith("ext:") || w.startsWith("node:")) return "Deno runtime (ext:, node:)";
  return w.startsWith("npm:") ? w : w === "(native)" ? "(native, GC, idle, program)" : w;
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const key = `${functionName || "(anonymous)"} — ${where(url)}${url ? `:${lineNumber + 1}` : ""}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byArea.set(area(url), (byArea.get(area(url)) ?? 0) + us);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
const table = (title: string, rows: Map<string, number>, n: number) =>
  [
    `| ${title} | self time |`,
    "|---|---|",
    ...[...rows].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `| ${k} | ${pct(us)} |`),
  ].join("\n");

const out = [
  `Profile ${file}: ${(total / 1e6).toFixed(2)} s sampled`,
  table("area", byArea, 15),
  table("function", byFunction, top),
].join("\n\n");
Deno.stdout.writeSync(new TextEncoder().encode(out + "\n"));
