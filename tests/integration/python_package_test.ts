// The Python package (clients/python) against a real bus: its whole unittest suite with
// JIMBOT_URL and JIMBOT_GRPC set, so no live test is skipped (tracking, coordinator, typed
// errors, consumer groups, the REST client), plus the observation benchmark on a small batch.
import assert from "node:assert/strict";
import { RunningBus } from "./_bus.ts";
import { findPython } from "./_python.ts";

const PACKAGE = new URL("../../clients/python/", import.meta.url).pathname;
const python = await findPython(["grpc", "numpy", "google.protobuf"]);

Deno.test({
  name: "the Python package's tests pass against a running bus" +
    (python ? "" : " (skipped: no python3 on PATH imports grpc, numpy and protobuf)"),
  ignore: python === null,
  fn: async () => {
    const bus = await RunningBus.start();
    try {
      const out = await new Deno.Command(python!, {
        args: ["-m", "unittest", "discover", "-v", "-s", "tests"],
        cwd: PACKAGE,
        env: {
          JIMBOT_URL: bus.url,
          JIMBOT_GRPC: `127.0.0.1:${bus.grpcPort}`,
          JIMBOT_TOKEN: bus.token,
          PYTHONDONTWRITEBYTECODE: "1", // no __pycache__ beside the generated modules
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const report = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, report);
      assert.match(report, /^OK$/m, report);
      assert.doesNotMatch(report, /skipped/, "every live test ran");
      assert.match(report, /test_a_consumer_group_resumes_after_its_commit .*\.\.\. ok/);

      const bench = await new Deno.Command(python!, {
        args: ["bench_observations.py", "2000"],
        cwd: PACKAGE,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(bench.code, 0, new TextDecoder().decode(bench.stderr));
      const figures = JSON.parse(new TextDecoder().decode(bench.stdout));
      assert.equal(figures.observations, 2000);
      assert.match(figures.end_to_end, /obs\/s$/);
    } finally {
      await bus.stop();
    }
  },
});
