/**
 * `GET /` answers browsers with the console and everything else with a JSON index of the API;
 * the console's files are embedded and served same-origin only.
 */
import assert from "node:assert/strict";
import { startBus } from "../integration/_bus.ts";

Deno.test("GET / is the console for browsers and a JSON index of the API otherwise", async () => {
  await using bus = await startBus();
  const version = (await bus.get("/health")).json.version;

  for (const accept of [undefined, "*/*", "application/json", "application/json, text/html"]) {
    const res = await bus.get("/", accept ? { accept } : {});
    assert.equal(res.status, 200, `Accept: ${accept}`);
    assert.match(res.headers.get("content-type")!, /^application\/json/, `Accept: ${accept}`);
    assert.equal(res.json.name, "jimbot-bus");
    assert.equal(res.json.version, version);
    // Every link that is a plain path answers (POST-only routes with 405, not 404).
    for (const [name, link] of Object.entries(res.json.links as Record<string, string>)) {
      if (!/^\/[\w/.-]*$/.test(link) || link.endsWith("/") || name === "stream_sse") continue;
      const answer = await bus.get(link);
      assert.notEqual(answer.status, 404, `${name}: ${link}`);
    }
  }

  const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const page = await bus.get("/", { accept: browser });
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /^text\/html/);
  assert.match(page.headers.get("content-security-policy")!, /default-src 'self'/);
  const scripts = [...page.text.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts.sort(), [
    "/console/console.css",
    "/console/console.js",
    "/console/uplot.css",
    "/console/uplot.js",
  ]);
  for (const path of scripts) {
    const file = await bus.get(path);
    assert.equal(file.status, 200, path);
    assert.ok(file.text.length > 500, path);
    assert.match(file.headers.get("content-type")!, path.endsWith(".js") ? /javascript/ : /css/);
  }
  assert.ok(!/https?:\/\//.test(page.text), "the page loads nothing from elsewhere");

  const missing = await bus.get("/console/missing.js");
  assert.equal(missing.status, 404);
  assert.match(missing.json.error, /console\.js/);
});
