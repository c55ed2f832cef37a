/**
 * Test kit: a throwaway PostgreSQL cluster in a temp dir (Debian `postgresql` binaries), on a
 * free loopback port; as root it runs as the `postgres` user.
 * @module
 */

/** The newest /usr/lib/postgresql/<version>/bin, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((e) => e.name).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = `/usr/lib/postgresql/${v}/bin`;
      if (Deno.statSync(`${bin}/pg_ctl`).isFile) return bin;
    }
  } catch { /* not installed */ }
  return null;
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
