// The layering check on this repository (passes) and on a scratch project whose areas import
// each other (fails: the cycle, an edge missing from the allow-list, a module in no area).
import assert from "node:assert/strict";
import { checkLayers, type Layers } from "../../tools/check_layers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOOL = new URL("../../tools/check_layers.ts", import.meta.url).pathname;

async function scratch(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-layers-" });
  await Deno.mkdir(`${dir}/src/a`, { recursive: true });
  await Deno.mkdir(`${dir}/src/b`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/main.ts`,
    'import { a } from "./src/a/mod.ts";\nconsole.log(a);\n',
  );
  await Deno.writeTextFile(`${dir}/src/a/mod.ts`, 'export { b as a } from "../b/mod.ts";\n');
  await Deno.writeTextFile(`${dir}/src/a/util.ts`, "export const one = 1;\n");
  await Deno.writeTextFile(`${dir}/src/b/mod.ts`, 'export { one as b } from "../a/util.ts";\n');
  return dir;
}

const SCRATCH_LAYERS: Layers = {
  entries: ["main.ts"],
  areas: { "main.ts": "app", "src/a/": "a", "src/b/": "b" },
  allow: { app: ["a"], a: ["b"], b: ["a"] },
};

Deno.test("the layering of this repository holds", async () => {
  const layers = JSON.parse(await Deno.readTextFile(`${ROOT}/tools/layers.json`));
  assert.deepEqual(await checkLayers(ROOT, layers), []);
});

Deno.test("a cycle between areas fails even when every edge is allowed", async () => {
  const dir = await scratch();
  const problems = await checkLayers(dir, SCRATCH_LAYERS);
  assert.deepEqual(problems, [
    "areas import each other: a → b → a (src/a/mod.ts imports src/b/mod.ts; " +
    "src/b/mod.ts imports src/a/util.ts)",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an import outside the allow-list and a module in no area fail; the command exits 1", async () => {
  const dir = await scratch();
  const strict = { ...SCRATCH_LAYERS, allow: { app: ["a"], a: ["b"], b: [] } };
  const problems = await checkLayers(dir, strict);
  assert.ok(
    problems.includes("b → a is not in the allow-list (src/b/mod.ts imports src/a/util.ts)"),
  );
  const unmapped = await checkLayers(dir, {
    ...SCRATCH_LAYERS,
    areas: { "main.ts": "app", "src/a/": "a" },
  });
  assert.ok(
    unmapped.includes("src/b/mod.ts belongs to no area: add its path to tools/layers.json"),
  );
  await Deno.writeTextFile(`${dir}/layers.json`, JSON.stringify(strict));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TOOL, `--root=${dir}`, `--layers=${dir}/layers.json`],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.match(new TextDecoder().decode(out.stderr), /^layering: b → a is not in the allow-list/m);
  await Deno.remove(dir, { recursive: true });
});
