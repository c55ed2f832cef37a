/**
 * The container environment: compose.yaml (with its `nats` profile and the development
 * override) as Debian's docker-compose resolves it, the Dockerfile's ports, health check and
 * volume, and the entrypoint that makes a host-mounted data folder work.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { anyMissing, findTool, pathOf, testName } from "../_tools.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DOCKER_COMPOSE = await findTool(
  "docker-compose",
  ["version"],
  "apt-get install docker-compose",
);
const SETPRIV = await findTool("setpriv", ["--version"], "apt-get install util-linux");
const CORE_SERVICES = ["bus", "grafana", "postgres", "prometheus"];

// deno-lint-ignore no-explicit-any
async function composeConfig(...args: string[]): Promise<any> {
  const out = await new Deno.Command(pathOf(DOCKER_COMPOSE), {
    args: [...args, "config"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `docker-compose ${args.join(" ")} config: ${stderr}`);
  return parse(new TextDecoder().decode(out.stdout));
}

/** A service's volumes as source and target (docker-compose 1 prints the short form). */
// deno-lint-ignore no-explicit-any
function mounts(service: any): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v: string | { source: string; target: string }) => {
    if (typeof v !== "string") return v;
    const [source, target] = v.split(":");
    return { source, target };
  });
}

Deno.test({
  name: testName(
    "compose.yaml: docker-compose config accepts it; services, ports, volumes, profiles",
    DOCKER_COMPOSE,
  ),
  ignore: anyMissing(DOCKER_COMPOSE),
  async fn() {
    const base = await composeConfig("-f", "compose.yaml");
    const inProfile = (name: string, profile: string | undefined) =>
      (base.services[name].profiles?.[0] as string | undefined) === profile;
    const names = Object.keys(base.services).sort();
    assert.deepEqual(names.filter((n) => inProfile(n, undefined)), CORE_SERVICES);
    assert.deepEqual(names.filter((n) => inProfile(n, "nats")), [
      "bus-nats",
      "nats-1",
      "nats-2",
      "nats-3",
    ]);
    const bus = base.services.bus;
    assert.deepEqual(bus.ports.map((p: { target: number }) => p.target).sort(), [50051, 8080]);
    assert.ok(mounts(bus).some((v) => v.target === "/data"));
    assert.match(bus.environment.JIMBOT_ANALYTICS_POSTGRES, /@postgres:5432\//);
    assert.equal(bus.depends_on.postgres.condition, "service_healthy");
    for (const name of ["postgres", "prometheus", "grafana"]) {
      assert.ok(base.services[name].healthcheck?.test, `${name} has a health check`);
    }
    // Every file compose mounts from the repository exists.
    for (const service of Object.values(base.services)) {
      for (const v of mounts(service)) if (v.source.startsWith("/")) await Deno.stat(v.source);
    }
    // Prometheus scrapes the bus service on its container port.
    const scrape = parse(await Deno.readTextFile(`${ROOT}deploy/prometheus/prometheus.yml`));
    assert.deepEqual(scrape.scrape_configs[0].static_configs[0].targets, ["bus:8080"]);
    // …with the token file the bus writes into the volume both share.
    const tokenFile = scrape.scrape_configs[0].authorization.credentials_file;
    assert.match(
      await Deno.readTextFile(`${ROOT}Dockerfile`),
      new RegExp(`JIMBOT_SCRAPE_TOKEN_FILE=${tokenFile}`),
    );
    const shared = (name: string) =>
      mounts(base.services[name]).find((v) => tokenFile.startsWith(v.target + "/"))?.source;
    assert.ok(shared("bus") && shared("bus") === shared("prometheus"), "a shared token volume");

    const nats = await composeConfig("-f", "compose.yaml", "--profile", "nats");
    const scaleOut = nats.services["bus-nats"].environment;
    assert.equal(scaleOut.JIMBOT_STORE, "jetstream");
    assert.equal(scaleOut.JIMBOT_NATS_SERVERS.split(",").length, 3);
    for (const n of ["nats-1", "nats-2", "nats-3"]) {
      const args: string[] = nats.services[n].command;
      assert.ok(args.includes("--jetstream") && args.includes(`--server_name=${n}`), n);
    }

    const dev = await composeConfig("-f", "compose.yaml", "-f", "compose.dev.yaml");
    assert.deepEqual(dev.services.bus.command, ["deno", "task", "dev"]);
    const mounted = mounts(dev.services.bus).map((v) => v.target);
    assert.ok(mounted.includes("/app/src") && mounted.includes("/data"), `${mounted}`);
  },
});

Deno.test("Dockerfile: both ports, a health check, the data volume and its entrypoint", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  assert.match(dockerfile, /^EXPOSE 8080 50051$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/ready/m);
  assert.match(dockerfile, /^VOLUME \/data$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/jimbot-entrypoint.sh"\]$/m);
  // The workers are loaded by URL: the image must cache them too to start offline.
  for (const worker of ["src/advisor/_engine_worker.ts"]) {
    assert.ok(dockerfile.includes(worker), worker);
  }
});

Deno.test({
  name: testName(
    "docker-entrypoint.sh runs the command as the owner of a host-mounted data folder" +
      (Deno.uid() === 0 ? "" : " (skipped: needs root to change user)"),
    SETPRIV,
  ),
  ignore: Deno.uid() !== 0 || anyMissing(SETPRIV),
  async fn() {
    const data = await Deno.makeTempDir({ prefix: "jimbot-data-" });
    try {
      await Deno.chown(data, 12345, 23456);
      const out = await new Deno.Command("sh", {
        args: [
          `${ROOT}deploy/docker-entrypoint.sh`,
          "sh",
          "-c",
          'id -u; id -g; touch "$JIMBOT_DATA_DIR/written"',
        ],
        env: { JIMBOT_DATA_DIR: data },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), [
        "12345",
        "23456",
      ]);
      const written = await Deno.stat(`${data}/written`);
      assert.equal(written.uid, 12345);

      // With JIMBOT_SCRAPE_TOKEN_FILE: Prometheus's "read" token is created once, as the
      // owner. JIMBOT_COMMAND stands in for the program (its `token create` has its own tests;
      // uid 12345 cannot read this machine's Deno cache).
      const tokenFile = `${data}/run/prometheus.token`;
      const calls = `${data}/calls`;
      const program = `${data}/jimbot.sh`;
      await Deno.writeTextFile(program, `echo "$*" >> ${calls}; echo "jbt_$(id -u).secret"\n`);
      const entry = () =>
        new Deno.Command("sh", {
          args: [`${ROOT}deploy/docker-entrypoint.sh`, "true"],
          env: {
            JIMBOT_DATA_DIR: data,
            JIMBOT_SCRAPE_TOKEN_FILE: tokenFile,
            JIMBOT_COMMAND: `sh ${program}`,
          },
          stderr: "piped",
        }).output();
      const first = await entry();
      assert.ok(first.success, new TextDecoder().decode(first.stderr));
      assert.equal((await Deno.readTextFile(tokenFile)).trim(), "jbt_12345.secret");
      assert.ok((await entry()).success);
      assert.deepEqual((await Deno.readTextFile(calls)).trim().split("\n"), [
        `token create --name prometheus --scopes read --data-dir ${data}`,
      ], "created once, by the owner, with the read scope only");
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
});
