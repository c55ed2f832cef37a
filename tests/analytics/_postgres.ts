/**
 * Test kit: a throwaway PostgreSQL cluster in a temp dir, on a free loopback port; as root it
 * runs as the `postgres` user.
 * @module
 */
import { onPath, type Tool } from "../_tools.ts";

/**
 * The directory holding `initdb` and `pg_ctl`: from PATH, else what `pg_config --bindir` (on
 * PATH) names, as Debian keeps the server binaries off PATH.
 */
export async function postgresBin(): Promise<Tool> {
  const initdb = onPath("initdb")[0];
  if (initdb && onPath("pg_ctl").length > 0) {
    return { ok: true, path: initdb.slice(0, initdb.lastIndexOf("/")) };
  }
  for (const pgConfig of onPath("pg_config")) {
    const dir = await text(pgConfig, ["--bindir"]).catch(() => "");
    if (dir && isFile(`${dir}/initdb`) && isFile(`${dir}/pg_ctl`)) return { ok: true, path: dir };
  }
  return {
    ok: false,
    reason: "no initdb and pg_ctl on PATH or in `pg_config --bindir`; apt-get install postgresql",
  };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

export interface TempPostgres extends AsyncDisposable {
  readonly url: string;
}

export async function startPostgres(bin: string): Promise<TempPostgres> {
  const dir = await Deno.makeTempDir({ prefix: "jimbot-pg-" });
  const asRoot = Deno.uid() === 0;
  if (asRoot) {
    const uid = Number(await text("id", ["-u", "postgres"]));
    const gid = Number(await text("id", ["-g", "postgres"]));
    await Deno.chown(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? text("runuser", ["-u", "postgres", "--", `${bin}/${cmd}`, ...args])
      : text(`${bin}/${cmd}`, args);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await run("initdb", ["-D", `${dir}/data`, "-A", "trust", "-U", "postgres", "--no-sync"]);
  await run("pg_ctl", [
    "-D",
    `${dir}/data`,
    "-l",
    `${dir}/log`,
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async [Symbol.asyncDispose]() {
      await run("pg_ctl", ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

async function text(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: "/" })
    .output();
  const decoded = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return decoded;
}
