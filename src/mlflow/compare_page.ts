/**
 * `GET /experiments`: one self-contained page (no external assets, so `deno compile` carries it)
 * that compares the runs of an experiment side by side — status, params with the differing ones
 * marked, latest metrics, and an SVG chart per metric over steps. It reads the MLflow REST API.
 * @module
 */
import type { Mount } from "../http/handler.ts";

export const COMPARE_PATH = "/experiments";

export function comparePageMount(): Mount {
  return {
    name: COMPARE_PATH,
    handle: (req, url) => {
      if (url.pathname !== COMPARE_PATH && url.pathname !== COMPARE_PATH + "/") return null;
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response(JSON.stringify({ error: `${req.method} is not allowed; use GET` }), {
          status: 405,
          headers: { "content-type": "application/json", allow: "GET" },
        });
      }
      return new Response(PAGE, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        },
      });
    },
  };
}

const SCRIPT = String.raw`
const api = (path, body) => fetch("/api/2.0/mlflow/" + path, body === undefined ? {} : {
  method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
}).then(async (r) => { const j = await r.json(); if (!r.ok) throw new Error(j.message); return j; });
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElementNS(attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
  for (const [k, v] of Object.entries(attrs)) if (k !== "svg") e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
};
const COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"];
async function main() {
  const picker = document.getElementById("experiment");
  const status = document.getElementById("status");
  const { experiments = [] } = await api("experiments/search", { max_results: 1000 });
  for (const e of experiments) picker.append(el("option", { value: e.experiment_id }, e.name));
  const wanted = new URLSearchParams(location.search).get("experiment_id");
  if (wanted) picker.value = wanted;
  picker.onchange = () => { location.search = "?experiment_id=" + encodeURIComponent(picker.value); };
  if (!picker.value) { status.textContent = "No experiments yet."; return; }
  const { runs = [] } = await api("runs/search", {
    experiment_ids: [picker.value], max_results: 50, order_by: ["attributes.start_time ASC"],
  });
  status.textContent = runs.length + " runs";
  if (!runs.length) return;
  renderTable(runs);
  await renderCharts(runs);
  document.body.dataset.ready = "true";
}
function kv(list) { return Object.fromEntries((list || []).map((p) => [p.key, p.value])); }
function renderTable(runs) {
  const table = document.getElementById("runs");
  const head = el("tr", {}, el("th", {}, "run"));
  for (const [i, r] of runs.entries()) {
    head.append(el("th", { style: "color:" + COLORS[i % COLORS.length] }, r.info.run_name || r.info.run_id));
  }
  table.append(head);
  const row = (label, values, cls) => {
    const tr = el("tr", { class: cls }, el("th", {}, label));
    for (const v of values) tr.append(el("td", {}, v === undefined ? "—" : String(v)));
    table.append(tr);
  };
  row("status", runs.map((r) => r.info.status), "attr");
  const params = runs.map((r) => kv(r.data.params));
  const paramKeys = [...new Set(params.flatMap(Object.keys))].sort();
  for (const k of paramKeys) {
    const values = params.map((p) => p[k]);
    row("param " + k, values, new Set(values).size > 1 ? "param diff" : "param same");
  }
  const metrics = runs.map((r) => kv(r.data.metrics));
  for (const k of [...new Set(metrics.flatMap(Object.keys))].sort()) {
    row("metric " + k, metrics.map((m) => m[k]), "metric");
  }
}
async function renderCharts(runs) {
  const box = document.getElementById("charts");
  const keys = [...new Set(runs.flatMap((r) => (r.data.metrics || []).map((m) => m.key)))].sort();
  for (const key of keys) {
    const series = await Promise.all(runs.map((r) =>
      api("metrics/get-history?run_id=" + r.info.run_id + "&metric_key=" + encodeURIComponent(key))
        .then((h) => (h.metrics || []).sort((a, b) => a.step - b.step))
    ));
    box.append(chart(key, series));
  }
}
function chart(key, series) {
  const W = 420, H = 220, P = 36;
  const pts = series.flat();
  const [x0, x1] = [Math.min(...pts.map((p) => p.step)), Math.max(...pts.map((p) => p.step))];
  const [y0, y1] = [Math.min(...pts.map((p) => p.value)), Math.max(...pts.map((p) => p.value))];
  const sx = (x) => P + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - 2 * P);
  const sy = (y) => H - P - (y1 === y0 ? 0.5 : (y - y0) / (y1 - y0)) * (H - 2 * P);
  const svg = el("svg", { svg: 1, width: W, height: H, class: "chart", "data-metric": key });
  svg.append(el("text", { svg: 1, x: P, y: 16 }, key));
  svg.append(el("text", { svg: 1, x: 2, y: sy(y1) + 4, class: "axis" }, String(+y1.toPrecision(4))));
  svg.append(el("text", { svg: 1, x: 2, y: sy(y0) + 4, class: "axis" }, String(+y0.toPrecision(4))));
  svg.append(el("text", { svg: 1, x: sx(x1) - 10, y: H - 8, class: "axis" }, "step " + x1));
  for (const [i, s] of series.entries()) {
    if (!s.length) continue;
    svg.append(el("polyline", {
      svg: 1, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 2, class: "series",
      points: s.map((p) => sx(p.step) + "," + sy(p.value)).join(" "),
    }));
  }
  return svg;
}
main().catch((e) => { document.getElementById("status").textContent = "Error: " + e.message; });
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>JimBot experiments</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
tr.diff td{background:#fff3c4;font-weight:600}tr.metric td{font-family:monospace}
.chart{border:1px solid #ddd;margin:4px}.chart text{font-size:12px}.chart .axis{fill:#777;font-size:10px}
</style></head><body>
<h1>Experiments</h1>
<label>Experiment <select id="experiment"></select></label> <span id="status">Loading…</span>
<table id="runs"></table><div id="charts"></div>
<script>${SCRIPT}</script>
</body></html>`;
