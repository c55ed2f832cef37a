// deno.json's tasks agree with the code: the binary (`deno compile`) embeds every worker module
// the program starts (a missing one fails only in the binary, which CI cannot build), and the
// ways of running the bus carry the same V8 flags the benchmarks measured.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const tasks: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("deno.json", root)),
).tasks;

async function* sources(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

Deno.test("deno task compile includes every worker module src/ starts", async () => {
  const workers: string[] = [];
  for await (const file of sources(new URL("src/", root))) {
    const text = await Deno.readTextFile(file);
    // Worker modules are named *worker.ts and located with new URL (not imported).
    for (const m of text.matchAll(/new URL\("([^"]*worker\.ts)", import\.meta\.url\)/g)) {
      workers.push(new URL(m[1], file).pathname.slice(root.pathname.length));
    }
  }
  assert.ok(workers.length >= 3, `found only ${workers.join(", ")}`);
  const included = [...tasks.compile.matchAll(/--include (\S+)/g)].map((m) => m[1]);
  assert.deepEqual(included.toSorted(), workers.toSorted());
});

Deno.test("start, dev and compile run with the same V8 flags", () => {
  const flags = (task: string) => /--v8-flags=(\S+)/.exec(tasks[task])?.[1];
  assert.ok(flags("start"), "the start task names its V8 flags");
  assert.equal(flags("dev"), flags("start"));
  assert.equal(flags("compile"), flags("start"));
});
