// The whole app in this process, on the memory storage: requests go straight to app.fetch (no
// socket, no child process), so http/, rpc/ and commands/ tests take milliseconds.
import { type App, createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createLogger, type Logger } from "../../src/logger.ts";
import { MemoryBackend, openMemoryStorage } from "../../src/log/mod.ts";
import { newToken, writeTokensFile } from "../../src/auth/tokens.ts";

/** A config as `serve` would parse these flags (free ports, a temp data dir, no GPU probe). */
export async function testConfig(flags: string[] = []): Promise<Config> {
  const dataDir = await Deno.makeTempDir({ prefix: "jimbot-app-" });
  const parsed = loadConfig([
    "--port=0",
    "--grpc-port=0",
    `--data-dir=${dataDir}`,
    "--gpu=0:24000",
    "--live-advice=false",
    "--analytics=false",
    ...flags,
  ], {});
  if (parsed.help) throw new Error("unexpected --help");
  return parsed.config;
}

/** A logger whose records land in `lines` (parsed), for assertions on what was logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger("debug", (line) => lines.push(JSON.parse(line))), lines };
}

export interface InProcessApp extends AsyncDisposable {
  readonly app: App;
  readonly config: Config;
  readonly logs: Record<string, unknown>[];
  /** The storage's data, to open the app again on it (a restart). */
  readonly backend: MemoryBackend;
  /** An admin token in the data dir's tokens file. */
  readonly token: string;
  /**
   * app.fetch of a path, from a loopback peer, as the admin token (unless `init` sets its own
   * Authorization header).
   */
  request(path: string, init?: RequestInit): Promise<Response>;
}

export async function inProcessApp(
  flags: string[] = [],
  backend = new MemoryBackend(),
): Promise<InProcessApp> {
  const config = await testConfig(flags);
  const { logger, lines } = capturingLogger();
  const admin = newToken("in-process-admin", ["admin"]);
  await writeTokensFile(`${config.dataDir}/tokens.json`, [admin.entry]);
  const storage = openMemoryStorage({
    retention: config.retention,
    maxPendingEvents: config.maxPendingEvents,
  }, backend);
  const app = await createApp(config, logger, { storage });
  app.ready = true;
  return {
    app,
    config,
    logs: lines,
    backend,
    token: admin.token,
    request: (path, init) => {
      const headers = new Headers(init?.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${admin.token}`);
      return app.fetch(new Request(`http://127.0.0.1${path}`, { ...init, headers }));
    },
    async [Symbol.asyncDispose]() {
      app.endStreams();
      await app.close();
      await Deno.remove(config.dataDir, { recursive: true });
    },
  };
}
