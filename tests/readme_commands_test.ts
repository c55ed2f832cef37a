// The README's shell commands run as written: each `sh` block is split into commands, and every
// command that does not start, install or test the whole project runs against a real bus (the
// README's localhost:8080 pointed at the test bus's port), in README order, with bash.
import assert from "node:assert/strict";
import { startBus } from "./integration/_bus.ts";
import { anyMissing, findTool, testName } from "./_tools.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

/** Commands the test does not run, and why. */
const NOT_RUN: readonly [RegExp, string][] = [
  [/^npm install\b/, "installs packages"],
  [/^npm start\b/, "starts the bus on port 8080 (the test starts its own)"],
  [/^npm test\b/, "runs this very suite"],
];

/** The commands of every ```sh block: comments dropped, `\` continuations and open quotes joined. */
export function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const commands: string[] = [];
  for (const block of blocks) {
    let current = "";
    for (const raw of block.split("\n")) {
      const line = current === "" ? raw.replace(/\s+#.*$/, "") : raw;
      if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
      current += (current === "" ? "" : "\n") + line;
      if (line.endsWith("\\") || !quotesBalanced(current)) continue;
      commands.push(current.replace(/\s+#[^'"]*$/, ""));
      current = "";
    }
    assert.equal(current, "", `an unfinished command in the README: ${current}`);
  }
  return commands;
}

function quotesBalanced(text: string): boolean {
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
  }
  return quote === null;
}

const CURL = await findTool("curl", ["--version"], "apt-get install curl");
const NPM = await findTool("npm", ["--version"], "install Node.js and npm");

Deno.test("the README's sh blocks hold the commands a newcomer needs", () => {
  const commands = shellCommands(README);
  for (const first of ["npm install", "npm start", "npm test"]) {
    assert.ok(commands.includes(first), `no "${first}" in the README`);
  }
  // Nothing that needs more than `npm install`: no bare deno, no jimbot binary, no paths outside.
  for (const c of commands) {
    assert.doesNotMatch(c, /^(deno|jimbot|\.\/)/, c);
    assert.doesNotMatch(c, /\.\.\//, c);
  }
});

Deno.test({
  name: testName("every safe README command runs against a real bus and succeeds", CURL, NPM),
  ignore: anyMissing(CURL, NPM),
  async fn() {
    await using bus = await startBus();
    const host = `127.0.0.1:${bus.port}`;
    const ran: string[] = [];
    for (const command of shellCommands(README)) {
      if (NOT_RUN.some(([pattern]) => pattern.test(command))) continue;
      const script = command.replaceAll("localhost:8080", host);
      const out = await new Deno.Command("bash", {
        args: ["-c", script],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      const timedOut = out.code === 28 && command.includes("--max-time"); // a stream, stopped
      assert.ok(out.success || timedOut, `${command}\nexit ${out.code}\n${stdout}\n${stderr}`);
      assert.ok(stdout.trim() !== "", `no output: ${command}\n${stderr}`);
      assert.doesNotMatch(stdout, /"status":"error"|^Cannot /m, `${command}\n${stdout}`);
      ran.push(command);
    }
    assert.ok(ran.length >= 10, `only ${ran.length} commands ran`);
    // What they did is visible on the bus: the batch is stored, the commands were polled.
    const events = await bus.events();
    assert.equal(events[0].event_id, "937bb5a8-6bf7-4d6e-b152-3ed69729af85");
    assert.equal((await bus.get("/api/v1/commands/poll")).text, "");
  },
});
