// The configuration page stays true: every option the CLI knows is documented with its variable
// and default, and the page documents no option the CLI does not know.
import assert from "node:assert/strict";
import { envName, OPTIONS } from "../src/config.ts";

const PAGE = Deno.readTextFileSync(new URL("../docs/configuration.md", import.meta.url));
const ROWS = PAGE.split("\n").filter((l) => /^\|\s*`--[a-z-]+`\s*\|/.test(l));

Deno.test("docs/configuration.md documents every option with its JIMBOT_ variable and default", () => {
  for (const o of OPTIONS) {
    const row = ROWS.find((l) => new RegExp(`^\\|\\s*\`--${o.flag}\`\\s*\\|`).test(l));
    assert.ok(row, `docs/configuration.md has no row for --${o.flag}`);
    assert.ok(row.includes(`\`${envName(o.flag)}\``), `--${o.flag}: ${envName(o.flag)}`);
    assert.ok(row.includes(`\`${o.defaultText}\``), `--${o.flag}: default ${o.defaultText}`);
  }
  const known = new Set(OPTIONS.map((o) => o.flag));
  for (const row of ROWS) {
    const flag = /`--([a-z-]+)`/.exec(row)![1];
    assert.ok(known.has(flag), `docs/configuration.md documents an unknown option --${flag}`);
  }
});
