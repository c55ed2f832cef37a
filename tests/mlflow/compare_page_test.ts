// The run comparison page (GET /experiments) in a real headless chromium driven by
// playwright-core: runs side by side, differing params marked, one chart per metric with a line
// per run over its steps, and no request leaves the bus (the page carries its own assets).
import assert from "node:assert/strict";
import { RunningBus } from "../integration/_bus.ts";
import { anyMissing, testName } from "../_tools.ts";
import { type Browser, CHROMIUM, openBrowser } from "../_browser.ts";

async function api(bus: RunningBus, path: string, body: unknown) {
  const res = await fetch(`${bus.url}/api/2.0/mlflow/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bus.auth },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

Deno.test({
  name: testName("the comparison page shows runs side by side in chromium", CHROMIUM),
  ignore: anyMissing(CHROMIUM),
  fn: async () => {
    const bus = await RunningBus.start();
    let browser: Browser | undefined;
    try {
      const { experiment_id } = await api(bus, "experiments/create", { name: "compare-me" });
      const runs = [
        { name: "lr-high", lr: "0.1", steps: 5 },
        { name: "lr-low", lr: "0.01", steps: 3 },
        { name: "lr-mid", lr: "0.05", steps: 4 },
      ];
      for (const [i, r] of runs.entries()) {
        const { run } = await api(bus, "runs/create", {
          experiment_id,
          run_name: r.name,
          start_time: 1_000 + i,
        });
        await api(bus, "runs/log-batch", {
          run_id: run.info.run_id,
          params: [{ key: "lr", value: r.lr }, { key: "batch_size", value: "32" }],
          metrics: Array.from({ length: r.steps }, (_, step) => ({
            key: "loss",
            value: 1 / (step + 1 + i),
            timestamp: 5_000 + step,
            step,
          })).concat([{ key: "win_rate", value: [0.25, 0.5, 0.75][i], timestamp: 9_000, step: 0 }]),
        });
      }

      browser = await openBrowser();
      const page = await browser.context.newPage();
      const requested: string[] = [];
      const errors: string[] = [];
      page.on("request", (req) => requested.push(req.url()));
      page.on("pageerror", (err) => errors.push(String(err)));
      await page.goto(bus.loginLink); // the session cookie the page's API calls carry
      await page.goto(`${bus.url}/experiments?experiment_id=${experiment_id}`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });

      const table = await page.$$eval(
        "#runs tr",
        (rows) =>
          rows.map((tr) => ({
            cls: tr.getAttribute("class") ?? "",
            cells: [...tr.children].map((c) => c.textContent),
          })),
      );
      assert.deepEqual(table[0].cells, ["run", "lr-high", "lr-low", "lr-mid"]);
      const row = (label: string) => table.find((r) => r.cells[0] === label)!;
      assert.deepEqual(row("param lr").cells.slice(1), ["0.1", "0.01", "0.05"]);
      assert.match(row("param lr").cls, /\bdiff\b/);
      assert.match(row("param batch_size").cls, /\bsame\b/);
      assert.deepEqual(row("metric win_rate").cells.slice(1).map(Number), [0.25, 0.5, 0.75]);

      const charts = await page.$$eval(
        "svg.chart",
        (svgs) =>
          svgs.map((svg) => ({
            metric: svg.getAttribute("data-metric"),
            points: [...svg.querySelectorAll("polyline.series")].map((p) =>
              (p.getAttribute("points") ?? "").trim().split(" ").length
            ),
          })),
      );
      assert.deepEqual(charts, [
        { metric: "loss", points: [5, 3, 4] },
        { metric: "win_rate", points: [1, 1, 1] },
      ]);
      assert.deepEqual(errors, []);
      assert.ok(requested.length > 0);
      for (const url of requested) {
        assert.ok(url.startsWith(bus.url), `request left the bus: ${url}`);
      }
    } finally {
      await browser?.[Symbol.asyncDispose]();
      await bus.stop();
    }
  },
});
