// The shell commands of the README and of docs/ run as written on a checkout where only
// `npm install` ran: each `sh` block is split into commands, and every command that does not
// start, install, benchmark or test the whole project runs in bash against a real bus (the pages'
// localhost:8080 pointed at the test bus's port, localhost:8081 at a second bus), in page order, in
// one shell per block so that variables carry over.
import assert from "node:assert/strict";
import { startBus } from "./integration/_bus.ts";
import { anyMissing, findTool, pathOf, testName } from "./_tools.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
const DOCS = [...Deno.readDirSync(new URL("../docs/", import.meta.url))]
  .filter((e) => e.name.endsWith(".md")).map((e) => e.name).sort();

/** Commands the test does not run, and why. */
const NOT_RUN: readonly [RegExp, string][] = [
  [/^npm install\b/, "installs packages"],
  [/(^|\s)npm start\b/, "starts the bus on port 8080 (the test starts its own)"],
  [/^npm test\b/, "runs this very suite"],
  [/^npx deno task (dev|check|bench)/, "runs for minutes or until stopped"],
  [/analytics rebuild/, "needs the bus stopped"],
  [/^(deploy\/quickstart\.sh|docker)\b/, "needs a container engine (CI checks the compose files)"],
  [/^nats-server\b|\bmigrate --to jetstream\b/, "needs a NATS cluster of several machines"],
  [/token (create|revoke)\b/, "changes the tokens file (the test exports its bus's token)"],
  [
    /python3 -m (pip|venv)\b/,
    "builds and installs the Python wheel (CI runs .ci/python_package.sh)",
  ],
];

/** Files the commands write into the checkout (exports, replays), removed afterwards. */
const WRITTEN = ["games.parquet", "rounds.parquet", "game.ndjson"];

/** The commands of every ```sh block: comments dropped, `\` continuations and open quotes joined. */
export function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const commands: string[] = [];
  for (const block of blocks) {
    let current = "";
    let quote: string | null = null;
    for (const line of block.split("\n")) {
      let kept = "";
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (ch === "\\" && quote !== "'" && i + 1 < line.length) {
          kept += ch + line[++i]; // an escaped character, such as \" inside double quotes
          continue;
        }
        if (quote === null && ch === "#" && (i === 0 || /\s/.test(line[i - 1]))) break;
        if (quote === null && (ch === "'" || ch === '"')) quote = ch;
        else if (ch === quote) quote = null;
        kept += ch;
      }
      kept = quote === null ? kept.trimEnd() : kept;
      if (current === "" && kept.trim() === "") continue;
      current += (current === "" ? "" : "\n") + kept;
      if (quote !== null || kept.endsWith("\\")) continue;
      commands.push(current);
      current = "";
    }
    assert.equal(current, "", `an unfinished shell command: ${current}`);
  }
  return commands;
}

const CURL = await findTool("curl", ["--version"], "apt-get install curl");
const NPM = await findTool("npm", ["--version"], "install Node.js and npm");
const BASH = await findTool("bash", ["-c", "true"], "apt-get install bash");

interface Ran {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
}

/**
 * Runs the safe commands of one page, block by block (one bash per block), with the page's
 * localhost ports pointed at the test buses; returns what each command printed and its exit code.
 */
async function runPage(
  markdown: string,
  hosts: Record<string, string>,
  env: Record<string, string>,
) {
  const ran: Ran[] = [];
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[0]);
  for (const block of blocks) {
    const commands = shellCommands(block).filter((c) => !NOT_RUN.some(([p]) => p.test(c)));
    if (commands.length === 0) continue;
    const marker = "@@jimbot-readme-exit";
    const script = commands.map((c) => {
      let local = c;
      for (const [from, to] of Object.entries(hosts)) local = local.replaceAll(from, to);
      return `${local}\necho "${marker} $?"`;
    }).join("\n");
    const out = await new Deno.Command(pathOf(BASH), {
      args: ["-c", script],
      cwd: ROOT,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const parts = new TextDecoder().decode(out.stdout).split(new RegExp(`\n?${marker} (\\d+)\n`));
    assert.equal(parts.length, commands.length * 2 + 1, `${script}\n${stderr}`);
    commands.forEach((command, i) => {
      ran.push({ command, stdout: parts[2 * i], code: Number(parts[2 * i + 1]) });
    });
  }
  return ran;
}

function assertSucceeded(ran: readonly Ran[], page: string): void {
  for (const { command, code, stdout } of ran) {
    const timedOut = code === 28 && command.includes("--max-time"); // a stream, stopped
    assert.ok(code === 0 || timedOut, `${page}: exit ${code}: ${command}\n${stdout}`);
    assert.doesNotMatch(
      stdout,
      /"status":"error"|^\{"code":"[a-z_]+","message"|^Cannot |Unknown resource/m,
      `${page}: ${command}`,
    );
  }
}

Deno.test("the README's sh blocks hold the commands a newcomer needs", () => {
  const commands = shellCommands(README);
  for (const first of ["npm install", "npm start", "npm test"]) {
    assert.ok(commands.includes(first), `no "${first}" in the README`);
  }
});

Deno.test("README and docs/ commands need nothing but npm install: no bare deno, no paths outside", () => {
  for (const [page, text] of [["README.md", README], ...DOCS.map((d) => [d, docText(d)])]) {
    for (const c of shellCommands(text)) {
      assert.doesNotMatch(c, /^(deno|jimbot|\.\/)\b/, `${page}: ${c}`);
      assert.doesNotMatch(c, /\.\.\//, `${page}: ${c}`);
    }
  }
});

function docText(name: string): string {
  return Deno.readTextFileSync(new URL(`../docs/${name}`, import.meta.url));
}

Deno.test({
  name: testName("every safe README command runs against a real bus and succeeds", CURL, NPM, BASH),
  ignore: anyMissing(CURL, NPM, BASH),
  async fn() {
    await using bus = await startBus();
    const ran = await runPage(README, { "localhost:8080": `127.0.0.1:${bus.port}` }, {
      JIMBOT_TOKEN: bus.token,
    });
    assertSucceeded(ran, "README.md");
    assert.ok(ran.length >= 10, `only ${ran.length} commands ran`);
    for (const { command, stdout } of ran) assert.ok(stdout.trim() !== "", `no output: ${command}`);
    // What they did is visible on the bus: the batch is stored, the commands were polled.
    const events = await bus.events();
    assert.equal(events[0].event_id, "937bb5a8-6bf7-4d6e-b152-3ed69729af85");
    assert.equal((await bus.get("/api/v1/commands/poll")).text, "");
  },
});

Deno.test({
  name: testName("every safe docs/ command runs against a real bus and succeeds", CURL, NPM, BASH),
  ignore: anyMissing(CURL, NPM, BASH),
  async fn() {
    // As the coordinator page says to start it: with a declared GPU.
    await using bus = await startBus(["--gpu=0:24576"]);
    await using other = await startBus();
    const hosts = {
      "localhost:8080": `127.0.0.1:${bus.port}`,
      "localhost:8081": `127.0.0.1:${other.port}`,
    };
    let count = 0;
    try {
      for (const page of DOCS) {
        const ran = await runPage(docText(page), hosts, {
          JIMBOT_DATA_DIR: bus.dataDir,
          JIMBOT_TOKEN: bus.token,
        });
        assertSucceeded(ran, page);
        count += ran.length;
      }
    } finally {
      for (const file of WRITTEN) await Deno.remove(`${ROOT}${file}`).catch(() => {});
    }
    assert.ok(count >= 20, `only ${count} commands ran`);
  },
});
