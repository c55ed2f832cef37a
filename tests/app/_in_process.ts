// The whole app in this process, on the memory storage: requests go straight to app.fetch (no
// socket, no child process), so http/, rpc/ and commands/ tests take milliseconds.
import { type App, createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createLogger, type Logger } from "../../src/logger.ts";
import { MemoryBackend, openMemoryStorage } from "../../src/log/mod.ts";

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
  /** app.fetch with a path on a made-up origin. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

export async function inProcessApp(
  flags: string[] = [],
  backend = new MemoryBackend(),
): Promise<InProcessApp> {
  const config = await testConfig(flags);
  const { logger, lines } = capturingLogger();
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
    request: (path, init) => app.fetch(new Request(`http://bus.test${path}`, init)),
    async [Symbol.asyncDispose]() {
      app.endStreams();
      await app.close();
      await Deno.remove(config.dataDir, { recursive: true });
    },
  };
}
