// The README stays true: every option the CLI knows is documented with its variable and default.
import assert from "node:assert/strict";
import { envName, OPTIONS } from "../src/config.ts";

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

Deno.test("README documents every option with its JIMBOT_ variable and default", () => {
  for (const o of OPTIONS) {
    const row = README.split("\n").find((l) =>
      new RegExp(`^\\|\\s*\`--${o.flag}\`\\s*\\|`).test(l)
    );
    assert.ok(row, `README has no row for --${o.flag}`);
    assert.ok(row.includes(`\`${envName(o.flag)}\``), `--${o.flag}: ${envName(o.flag)}`);
    assert.ok(row.includes(`\`${o.defaultText}\``), `--${o.flag}: default ${o.defaultText}`);
  }
});
