/**
 * The layering check, run by `deno task check`: reads the module graph with `deno info --json`
 * from each entry in tools/layers.json, reduces it to areas, and fails (exit 1, one line per
 * problem) on an import between areas the allow-list does not name, on a cycle between areas,
 * and on a module of the project that belongs to no area.
 *   deno run -A tools/check_layers.ts [--root DIR] [--layers FILE]
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface Layers {
  /** Modules the graph is read from (paths relative to the root). */
  readonly entries: readonly string[];
  /** Path prefix (relative to the root) → area; the longest matching prefix wins. */
  readonly areas: Readonly<Record<string, string>>;
  /** Area → the areas it may import. */
  readonly allow: Readonly<Record<string, readonly string[]>>;
}

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
  }[];
}

/** The problems found; empty when the layering holds. */
export async function checkLayers(root: string, layers: Layers): Promise<string[]> {
  const base = pathToFileURL(resolve(root) + "/").href;
  const relative = (specifier: string) =>
    specifier.startsWith(base) ? specifier.slice(base.length) : null;
  const areaOf = (path: string): string | undefined => {
    let best: string | undefined;
    for (const prefix of Object.keys(layers.areas)) {
      if (path.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : layers.areas[best];
  };
  const problems = new Set<string>();
  /** "from → to" → one import that makes the edge, for the message. */
  const edges = new Map<string, string>();
  for (const entry of layers.entries) {
    for (const module of (await denoInfo(root, entry)).modules) {
      const from = relative(module.specifier);
      if (from === null) continue; // npm:, node:, remote
      const fromArea = areaOf(from);
      if (fromArea === undefined) {
        problems.add(`${from} belongs to no area: add its path to tools/layers.json`);
        continue;
      }
      for (const dep of module.dependencies ?? []) {
        for (const target of [dep.code?.specifier, dep.type?.specifier]) {
          const to = target === undefined ? null : relative(target);
          const toArea = to === null ? undefined : areaOf(to);
          if (toArea === undefined || toArea === fromArea) continue;
          const edge = `${fromArea} → ${toArea}`;
          if (!edges.has(edge)) edges.set(edge, `${from} imports ${to}`);
        }
      }
    }
  }
  const graph = new Map<string, Set<string>>();
  for (const [edge, example] of edges) {
    const [from, to] = edge.split(" → ");
    if (!(layers.allow[from] ?? []).includes(to)) {
      problems.add(`${edge} is not in the allow-list (${example})`);
    }
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  for (const cycle of cycles(graph)) {
    const path = [...cycle, cycle[0]];
    const examples = path.slice(1).map((to, i) => edges.get(`${path[i]} → ${to}`));
    problems.add(`areas import each other: ${path.join(" → ")} (${examples.join("; ")})`);
  }
  return [...problems];
}

async function denoInfo(root: string, entry: string): Promise<DenoInfo> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** One cycle through each strongly connected group of two or more areas (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group);
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.map((group) => cycleWithin(graph, new Set(group)));
}

/** A closed path through areas of one strongly connected group (breadth-first from its first). */
function cycleWithin(graph: ReadonlyMap<string, ReadonlySet<string>>, group: Set<string>) {
  const start = [...group].sort()[0];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return path;
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      root: { type: "string", default: "." },
      layers: { type: "string", default: "tools/layers.json" },
    },
  });
  const layers: Layers = JSON.parse(await Deno.readTextFile(values.layers));
  const problems = await checkLayers(values.root, layers);
  const encoder = new TextEncoder();
  for (const p of problems) Deno.stderr.writeSync(encoder.encode(`layering: ${p}\n`));
  if (problems.length > 0) Deno.exit(1);
}
