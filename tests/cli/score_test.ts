import assert from "node:assert/strict";

const CLI = new URL("../../src/cli/score.ts", import.meta.url).pathname;
const VECTORS = new URL("../testdata/scoring/vectors.json", import.meta.url).pathname;

async function run(args: string[], stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

interface Expected {
  hand_type: string;
  chips?: number;
  mult?: number;
  score?: number;
  min?: { chips: number; mult: number; score: number };
  max?: { chips: number; mult: number; score: number };
  mean?: { chips: number; mult: number; score: number };
}

function close(actual: number, expected: number, relative: number): boolean {
  return relative === 0
    ? actual === expected
    : Math.abs(actual - expected) <= relative * Math.abs(expected);
}

Deno.test("score --json vectors.json --output json reproduces every vector", async () => {
  const vectors: { id: string; expected: Expected; tolerance?: { relative: number } }[] = JSON
    .parse(await Deno.readTextFile(VECTORS));
  const { code, stdout, stderr } = await run(["--json", VECTORS, "--output", "json"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, vectors.length);
  for (const [i, vector] of vectors.entries()) {
    const got = lines[i];
    const tol = vector.tolerance?.relative ?? 0;
    assert.equal(got.id, vector.id);
    assert.equal(got.hand_type, vector.expected.hand_type, vector.id);
    if (vector.expected.score !== undefined) {
      for (const key of ["chips", "mult", "score"] as const) {
        assert.ok(
          close(got[key], vector.expected[key]!, tol),
          `${vector.id} ${key}: ${got[key]} vs ${vector.expected[key]}`,
        );
      }
    } else {
      for (const bound of ["min", "max", "mean"] as const) {
        const want = vector.expected[bound];
        if (want === undefined) continue;
        for (const key of ["chips", "mult", "score"] as const) {
          assert.ok(close(got[bound][key], want[key], tol || 1e-12), `${vector.id} ${bound}`);
        }
      }
    }
  }
});

Deno.test("score --json - reads a single vector from stdin", async () => {
  const vectors = JSON.parse(await Deno.readTextFile(VECTORS));
  const { code, stdout } = await run(
    ["--json", "-", "--output", "json"],
    JSON.stringify(vectors[0]),
  );
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), {
    id: "V-01",
    hand_type: "High Card",
    chips: 16,
    mult: 1,
    score: 16,
  });
});

Deno.test("score --play prints a breakdown", async () => {
  const { code, stdout } = await run([
    "--play",
    "AH KH QH JH 10H",
    "--jokers",
    "Joker,Blueprint",
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /Royal Flush/);
  assert.match(stdout, /score: 151 × 12 = 1,812/);
});

Deno.test("score reports bad input in one sentence with exit code 2", async () => {
  for (
    const args of [
      ["--play", "AH ZZ"],
      ["--play", "AH", "--jokers", "Nonexistent"],
      ["--bogus"],
      [],
      ["--json", "/nonexistent/file.json"],
    ]
  ) {
    const { code, stderr, stdout } = await run(args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

Deno.test("score --help exits 0", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /Usage: jimbot score/);
});
