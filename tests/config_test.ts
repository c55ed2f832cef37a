import assert from "node:assert/strict";
import { ConfigError, defaultConfig, envName, loadConfig, OPTIONS } from "../src/config.ts";

Deno.test("loadConfig(): defaults, flags in both forms, env, and flag over env", () => {
  const none = loadConfig([], {});
  assert.ok(!none.help);
  if (none.help) return;
  assert.deepEqual(none.config, defaultConfig());
  const parsed = loadConfig(["--port", "9000", "--data-dir=/x", "--retention-max-age=2h"], {
    JIMBOT_PORT: "1",
    JIMBOT_HOST: "0.0.0.0",
    JIMBOT_BODY_TIMEOUT: "250ms",
  });
  if (parsed.help) throw new Error("unexpected help");
  assert.equal(parsed.config.port, 9000);
  assert.equal(parsed.config.host, "0.0.0.0");
  assert.equal(parsed.config.dataDir, "/x");
  assert.equal(parsed.config.retention.maxAgeMs, 7_200_000);
  assert.equal(parsed.config.limits.bodyTimeoutMs, 250);
});

Deno.test("loadConfig(): one sentence naming the bad value", () => {
  assert.throws(() => loadConfig(["--port=70000"], {}), ConfigError);
  assert.throws(
    () => loadConfig(["--retention-max-age=soon"], {}),
    /--retention-max-age must be a duration/,
  );
  assert.throws(
    () => loadConfig([], { JIMBOT_MAX_BODY_BYTES: "-1" }),
    /JIMBOT_MAX_BODY_BYTES must be an integer/,
  );
  assert.throws(() => loadConfig(["--port"], {}), /--port needs a value/);
});

Deno.test("every option has a JIMBOT_ variable name", () => {
  assert.equal(envName("data-dir"), "JIMBOT_DATA_DIR");
  assert.ok(OPTIONS.length >= 4);
});
