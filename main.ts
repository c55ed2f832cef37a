/**
 * JimBot Bus command line: `serve` (the default) starts the bus; `--help` explains. Every help
 * text calls the program `jimbot` (the compiled binary; from a checkout: `npm run jimbot -- …`).
 * @module
 */
import { loadConfig, optionsHelp, redactPassword } from "./src/config.ts";
import { captureConsole, createLogger } from "./src/logger.ts";
import { VERSION } from "./src/app.ts";
import { startApp } from "./src/server.ts";
import { StartupError } from "./src/errors.ts";
import { scoreCommand } from "./src/cli/score.ts";
import { replayCommand } from "./src/cli/replay.ts";
import { tokenCommand } from "./src/cli/token.ts";
import { jobChildMain } from "./src/analytics/job.ts";
import { JOB_SUBCOMMAND } from "./src/analytics/job_process.ts";
import { analyticsCommand, exportCommand, queryCommand } from "./src/cli/analytics.ts";
import { migrateCommand } from "./src/cli/migrate.ts";

const USAGE = `JimBot Bus ${VERSION}: the event hub of an AI that plays Balatro.

Usage:
  jimbot [serve] [options]     run the bus: REST for BalatroMCP, Connect/gRPC/WebSocket/SSE
                               streams, the coordinator, the advisor, analytics
  jimbot score [options]       score a Balatro play (jimbot score --help)
  jimbot replay [options]      replay a range of the log as NDJSON or into another bus
  jimbot analytics rebuild     re-derive the analytics tables from the log (bus stopped)
  jimbot query "SELECT …"      read-only SQL on the analytics tables, printed as a table
  jimbot export [options]      a table or query to Parquet or CSV (jimbot export --help)
  jimbot token create|revoke|list  bearer tokens (jimbot token --help)
  jimbot migrate --to jetstream  copy a KV data dir into a NATS JetStream cluster (bus stopped)
  jimbot --version             the version
  jimbot --help                this text

From a checkout with only \`npm install\` done, run it as \`npm run jimbot -- <command> …\`
(or \`npx deno task jimbot <command> …\`).

Every option can also be set by the environment variable shown beside it; a flag wins.

Options:
${optionsHelp()}
`;

async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--version" || first === "-V" || first === "version") {
    write(`jimbot ${VERSION} (Deno ${Deno.version.deno})\n`);
    return 0;
  }
  const command = first === undefined || first.startsWith("-") ? "serve" : first;
  const commandArgs = command === first ? rest : args;
  switch (command) {
    case "serve":
      return await serve(commandArgs);
    case "score":
      return await scoreCommand(commandArgs);
    case "replay":
      return await replayCommand(commandArgs);
    case "analytics":
      return await analyticsCommand(commandArgs);
    case "query":
      return await queryCommand(commandArgs);
    case "export":
      return await exportCommand(commandArgs);
    case "token":
      return await tokenCommand(commandArgs);
    case JOB_SUBCOMMAND: // a compiled binary's analytics job (src/analytics/job_process.ts)
      return await jobChildMain();
    case "migrate":
      return await migrateCommand(commandArgs);
    case "help":
      write(USAGE);
      return 0;
    default:
      writeError(`Unknown command "${command}"; run with --help for the list`);
      return 2;
  }
}

async function serve(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = loadConfig(args, Deno.env.toObject());
  } catch (err) {
    return startupFailed(err);
  }
  if (parsed.help) {
    write(USAGE);
    return 0;
  }
  if (parsed.rest.length > 0) {
    writeError(`Cannot start: unexpected argument "${parsed.rest[0]}" (see --help)`);
    return 2;
  }
  const logger = createLogger(parsed.config.logLevel);
  // Deno.serve and libraries warn through console: keep those lines JSON too.
  captureConsole(logger);
  let app;
  try {
    app = await startApp(parsed.config, logger);
  } catch (err) {
    return startupFailed(err);
  }
  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () =>
      app.stop().then(() => resolve(0), (error) => {
        logger.error("stop failed", { error });
        resolve(1);
      }));
  }
  return await stopped;
}

/**
 * A bad option or coordinator file, a port or data dir in use: one sentence, no trace, and the
 * StartupError's exit code. Anything else is unexpected: the sentence, and its stack in the log.
 */
function startupFailed(err: unknown): number {
  if (err instanceof StartupError) {
    writeError(redactPassword(err.message));
    return err.exitCode;
  }
  const message = redactPassword(err instanceof Error ? err.message : String(err));
  writeError(`Cannot start: ${message}`);
  createLogger("error").error("start-up failed", { error: err });
  return 1;
}

const encoder = new TextEncoder();
function write(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}
function writeError(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
