/**
 * The Grafana dashboards checked for real: their JSON is well-formed for provisioning, every
 * PromQL expression answers data from Debian's prometheus scraping a loaded bus with the committed
 * scrape config, and every SQL panel query returns rows from the PostgreSQL mirror.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { parse, stringify } from "yaml";
import { startBus } from "../integration/_bus.ts";
import { postgresBin, startPostgres } from "../analytics/_postgres.ts";
import { analyticsCaughtUp, loadBus, until } from "./_load.ts";
import {
  dashboards,
  expandPromQl,
  expandSql,
  panels,
  PROMETHEUS_CONFIG,
  provisionedDatasources,
  queries,
} from "./_dashboards.ts";
import { anyMissing, findTool, pathOf, testName } from "../_tools.ts";

const PROMETHEUS = await findTool("prometheus", ["--version"], "apt-get install prometheus");
const PG_BIN = await postgresBin();
/** Grafana's oldest schema with the panel and datasource shapes the files use. */
const MIN_SCHEMA_VERSION = 36;

Deno.test("dashboards: schema version, datasource references, unique panel ids, queries", () => {
  const sources = provisionedDatasources();
  const byUid = new Map(sources.map((s) => [s.uid, s.type]));
  const all = dashboards();
  assert.deepEqual(all.map((d) => d.file), [
    "game-performance.json",
    "joker-synergy.json",
    "learning-progress.json",
    "system-health.json",
  ]);
  const uids = new Set<string>();
  for (const { file, json } of all) {
    assert.ok(json.schemaVersion >= MIN_SCHEMA_VERSION, `${file}: schemaVersion`);
    assert.ok(typeof json.uid === "string" && json.uid.length <= 40, `${file}: uid`);
    assert.ok(!uids.has(json.uid), `${file}: uid ${json.uid} used twice`);
    uids.add(json.uid);
    assert.ok(json.title, `${file}: title`);
    const ids = panels(json).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids ${ids}`);
    assert.ok(ids.every((id) => Number.isInteger(id) && id > 0), `${file}: panel ids ${ids}`);
    for (const panel of panels(json)) {
      const where = `${file} / ${panel.title}`;
      assert.ok(panel.targets?.length > 0, `${where}: no query`);
      for (const t of [panel, ...panel.targets]) {
        const ds = t.datasource;
        assert.equal(byUid.get(ds?.uid), ds?.type, `${where}: datasource ${JSON.stringify(ds)}`);
      }
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${where}: gridPos`);
    }
  }
  const promql = queries().filter((q) => q.datasource.type === "prometheus");
  const sql = queries().filter((q) => q.datasource.type !== "prometheus");
  assert.ok(promql.length >= 20 && sql.length >= 10, `${promql.length} PromQL, ${sql.length} SQL`);
  for (const q of queries()) {
    const expanded = q.datasource.type === "prometheus"
      ? expandPromQl(q.text, "1m")
      : expandSql(q.text);
    assert.ok(!expanded.includes("$"), `${q.dashboard} / ${q.panel}: unexpanded macro`);
  }
});

Deno.test({
  name: testName(
    "dashboards: every PromQL expression answers data from prometheus scraping a loaded bus",
    PROMETHEUS,
  ),
  ignore: anyMissing(PROMETHEUS),
  // A stalled peer fails the test instead of holding up the suite.
  timeout: 180_000,
  async fn() {
    await using bus = await startBus(["--gpu=0:8000"]);
    await using load = await loadBus(bus);
    load.trickle();
    await analyticsCaughtUp(bus);
    await using prometheus = await startPrometheus(
      pathOf(PROMETHEUS),
      `127.0.0.1:${bus.port}`,
      bus.token,
    );
    const exprs = queries().filter((q) => q.datasource.type === "prometheus");
    // Rates need two samples in their window: wait for several scrapes of the loaded bus.
    await until(async () => {
      const r = await prometheus.query('count_over_time(up{job="jimbot-bus"}[1m])');
      return Number(r.data?.result?.[0]?.value?.[1] ?? 0) >= 4;
    }, "four scrapes of the bus");
    const failures: string[] = [];
    for (const q of exprs) {
      const expr = expandPromQl(q.text, "30s");
      const answer = await prometheus.query(expr);
      const result = answer.data?.result ?? [];
      const values = result.map((s: { value: [number, string] }) => Number(s.value[1]));
      if (answer.status !== "success") failures.push(`${q.panel}: ${expr}: ${answer.error}`);
      else if (result.length === 0) failures.push(`${q.panel}: ${expr}: empty result`);
      else if (values.every(Number.isNaN)) failures.push(`${q.panel}: ${expr}: only NaN`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${exprs.length} expressions failed`);

    // The game gauges agree with the projection they are read from.
    const won = await bus.post(
      "/api/v1/analytics/query",
      JSON.stringify({ sql: "SELECT COUNT(*) AS n FROM games WHERE won = 1" }),
    );
    const gauge = await prometheus.query('jimbot_games{outcome="won"}');
    assert.ok(won.json.rows[0].n > 0);
    assert.equal(Number(gauge.data.result[0].value[1]), won.json.rows[0].n);
  },
});

Deno.test({
  name: testName(
    "dashboards: every SQL panel query returns rows from the PostgreSQL mirror",
    PG_BIN,
  ),
  ignore: anyMissing(PG_BIN),
  // A stalled peer fails the test instead of holding up the suite.
  timeout: 180_000,
  async fn() {
    await using pg = await startPostgres(pathOf(PG_BIN));
    await using bus = await startBus([`--analytics-postgres=${pg.url}`, "--gpu=0:8000"]);
    await using _load = await loadBus(bus);
    await analyticsCaughtUp(bus);
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const games = (await bus.post(
        "/api/v1/analytics/query",
        JSON.stringify({ sql: "SELECT COUNT(*) AS n FROM games" }),
      )).json.rows[0].n;
      await until(async () => {
        const rows = await sql`SELECT COUNT(*)::int AS n FROM games`.catch(() => [{ n: 0 }]);
        return rows[0].n === games;
      }, "the PostgreSQL mirror");
      const failures: string[] = [];
      const sqlQueries = queries().filter((q) => q.datasource.type !== "prometheus");
      for (const q of sqlQueries) {
        try {
          const rows = await sql.unsafe(expandSql(q.text));
          if (rows.length === 0) failures.push(`${q.panel}: no rows`);
        } catch (err) {
          failures.push(`${q.panel}: ${(err as Error).message}`);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${sqlQueries.length} queries failed`);
    } finally {
      await sql.end();
    }
  },
});

interface RunningPrometheus extends AsyncDisposable {
  // deno-lint-ignore no-explicit-any
  query(expr: string): Promise<any>;
}

/** Debian's prometheus with the committed config, its target and interval set for the test. */
async function startPrometheus(
  bin: string,
  target: string,
  token: string,
): Promise<RunningPrometheus> {
  const config = parse(await Deno.readTextFile(PROMETHEUS_CONFIG));
  const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === "jimbot-bus");
  // The committed target is the compose service; the test's bus listens elsewhere.
  assert.deepEqual(job.static_configs[0].targets, ["bus:8080"]);
  job.static_configs[0].targets = [target];
  config.global.scrape_interval = "1s";
  const dir = await Deno.makeTempDir({ prefix: "jimbot-prometheus-" });
  // The committed config reads its "read" token from the file compose shares; here, the bus's.
  assert.equal(job.authorization.credentials_file, "/run/jimbot/prometheus.token");
  job.authorization.credentials_file = `${dir}/token`;
  await Deno.writeTextFile(`${dir}/token`, token);
  await Deno.writeTextFile(`${dir}/prometheus.yml`, stringify(config));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  const child = new Deno.Command(bin, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=${address}`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await until(async () => {
      try {
        const res = await fetch(`http://${address}/-/ready`);
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    }, "prometheus to start");
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    async query(expr) {
      const url = `http://${address}/api/v1/query?query=${encodeURIComponent(expr)}`;
      return await (await fetch(url)).json();
    },
    [Symbol.asyncDispose]: stop,
  };
}
