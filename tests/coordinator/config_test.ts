import assert from "node:assert/strict";
import {
  CoordinatorConfigError,
  parseCoordinatorConfig,
} from "../../src/coordinator/coordinator_config.ts";
import { parseGpuFlag, parseNvidiaSmi } from "../../src/coordinator/gpu_detect.ts";
import { loadConfig } from "../../src/config.ts";

Deno.test("parseCoordinatorConfig() defaults: claude 100 requests/hour, burst 10", () => {
  const c = parseCoordinatorConfig(undefined, { systemMemoryMb: 16_000 });
  assert.equal(c.memory.totalMb, 16_000);
  assert.deepEqual(c.limiters, [{
    name: "claude",
    buckets: [{ name: "requests_per_hour", capacity: 10, amount: 100, periodMs: 3_600_000 }],
    tracksTokens: false,
  }]);
  assert.equal(c.gpu.defaultSliceMs, 100);
  assert.deepEqual(c.gpu.devices, []);
});

Deno.test("parseCoordinatorConfig() errors name the bad field", () => {
  const cases: [unknown, RegExp][] = [
    [
      { limiters: { claude: { burst: -1, requests_per_hour: 5 } } },
      /limiters\.claude\.burst must be/,
    ],
    [{ limiters: { claude: { burts: 1 } } }, /limiters\.claude\.burts is not a known field/],
    [{ limiters: { x: {} } }, /limiters\.x needs at least one of/],
    [{ memory: { total_mb: "lots" } }, /memory\.total_mb must be an integer/],
    [
      { memory: { total_mb: 100, components: { a: { reserved_mb: 60 }, b: { reserved_mb: 50 } } } },
      /memory\.components\.b\.reserved_mb brings the reservations above the 100 MB total/,
    ],
    [{ gpu: { devices: [{ name: "0" }] } }, /gpu\.devices\[0\]\.memory_mb is required/],
    [{ gpu: { slice_ms: 0 } }, /gpu\.slice_ms must be an integer from 1/],
    [{ leases: { max_leases: 5000 } }, /leases\.max_leases must be an integer from 1 to 256/],
    [{ colour: "blue" }, /colour is not a known field/],
    [[], /the top level must be an object/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => parseCoordinatorConfig(raw), (err: Error) => {
      assert.ok(err instanceof CoordinatorConfigError);
      assert.match(err.message, message);
      return true;
    });
  }
});

Deno.test("parseCoordinatorConfig() limiter buckets from Claude-style limits", () => {
  const c = parseCoordinatorConfig({
    limiters: {
      api: {
        requests_per_minute: 50,
        requests_per_hour: 1000,
        input_tokens_per_minute: 40_000,
        output_tokens_per_minute: 8000,
      },
    },
  });
  assert.deepEqual(c.limiters[0].buckets.map((b) => [b.name, b.capacity, b.amount, b.periodMs]), [
    ["requests", 50, 50, 60_000],
    ["requests_per_hour", 1000, 1000, 3_600_000],
    ["input_tokens", 40_000, 40_000, 60_000],
    ["output_tokens", 8000, 8000, 60_000],
  ]);
  assert.equal(c.limiters[0].tracksTokens, true);
});

Deno.test("parseNvidiaSmi() reads captured nvidia-smi output", () => {
  // nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits (two GPUs)
  const sample = "0, NVIDIA GeForce RTX 3090, 24576\n1, NVIDIA RTX A4000, 16376\n";
  assert.deepEqual(parseNvidiaSmi(sample), [
    { name: "0", memoryMb: 24576 },
    { name: "1", memoryMb: 16376 },
  ]);
  // with units left on, and Windows line ends
  assert.deepEqual(parseNvidiaSmi("0, Tesla T4, 15360 MiB\r\n"), [{ name: "0", memoryMb: 15360 }]);
  assert.deepEqual(parseNvidiaSmi(""), []);
  assert.throws(() => parseNvidiaSmi("No devices were found"), SyntaxError);
});

Deno.test("--gpu flag: name:memoryMB, comma separated", () => {
  assert.deepEqual(parseGpuFlag("0:24576,aux:8000"), [
    { name: "0", memoryMb: 24576 },
    { name: "aux", memoryMb: 8000 },
  ]);
  const parsed = loadConfig(["--gpu=0:24576", "--coordinator-config=c.json"], {});
  assert.equal(parsed.help, false);
  if (parsed.help) return;
  assert.deepEqual(parsed.config.gpus, [{ name: "0", memoryMb: 24576 }]);
  assert.equal(parsed.config.coordinatorConfigFile, "c.json");
  assert.throws(() => loadConfig(["--gpu=24GB"], {}), /--gpu must be name:memoryMB/);
});
