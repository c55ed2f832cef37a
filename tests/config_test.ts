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
  assert.throws(
    () => loadConfig(["--colour=red"], {}),
    /^ConfigError: Cannot start: unknown option "--colour" \(see --help\)$/,
  );
});

Deno.test("defaults come from the options table, as --help shows them", () => {
  const d = defaultConfig();
  assert.equal(d.port, 8080);
  assert.equal(d.host, "127.0.0.1");
  assert.equal(d.shutdownTimeoutMs, 10_000);
  assert.equal(d.retention.maxAgeMs, 30 * 86_400_000);
  assert.equal(d.limits.maxBodyBytes, 16_777_216);
  assert.equal(d.analytics.enabled, true);
  assert.equal(d.tlsCertFile, "");
  assert.deepEqual(d.gpus, []);
  const shown = Object.fromEntries(OPTIONS.map((o) => [o.flag, o.defaultText]));
  assert.equal(shown["shutdown-timeout"], "10s");
  assert.equal(shown.gpu, "detected");
  assert.equal(shown["tls-cert"], "none");
});

Deno.test("every option has a JIMBOT_ variable name", () => {
  assert.equal(envName("data-dir"), "JIMBOT_DATA_DIR");
  assert.ok(OPTIONS.length >= 4);
});
