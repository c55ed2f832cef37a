// The `migrate` subcommand: copies a Deno KV data dir (events, dead letters, consumer groups,
// queued commands, coordinator state) into an empty JetStream namespace, byte for byte.
import { ConfigError, loadConfig } from "../config.ts";
import { StartupError } from "../errors.ts";
import { lockDataDir, openKvStorage, type Storage, type StoredEvent } from "../log/mod.ts";
import { type JetStreamStorage, openJetStreamStorage } from "../log/jetstream/mod.ts";
import { natsOptions } from "../storage_choice.ts";

const HELP = `Usage: main.ts migrate --to jetstream [--data-dir DIR] --nats-servers URL[,URL…]
                       [--nats-namespace NS] [--nats-replicas N] [other --nats-* options]

Copies the Deno KV store of DIR (bus stopped) into an empty JetStream namespace: every event
with its text and received_at, dead letters, consumer-group offsets, queued commands and the
coordinator's state. Offsets stay the same when the KV log still starts at 0; otherwise they
(and the group offsets) move down by the KV log's first offset. Then start the buses with
--store jetstream. The KV data dir is left as it was.
`;

const CHUNK = 1_000;
/** The coordinator's key prefixes (src/coordinator/coordinator.ts). */
const STATE_PREFIXES = ["pool", "limiter"];
const encoder = new TextEncoder();

/** Runs `migrate`; returns the exit code. */
export async function migrateCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    Deno.stdout.writeSync(encoder.encode(HELP));
    return 0;
  }
  const to = args.indexOf("--to");
  const target = to >= 0 ? args[to + 1] : args.find((a) => a.startsWith("--to="))?.slice(5);
  const rest = args.filter((a, i) => !a.startsWith("--to=") && i !== to && i !== to + 1);
  try {
    if (target !== "jetstream") throw new ConfigError("Cannot migrate: give --to jetstream");
    const summary = await migrate(rest);
    Deno.stderr.writeSync(encoder.encode(summary + "\n"));
    return 0;
  } catch (err) {
    Deno.stderr.writeSync(encoder.encode(`${(err as Error).message}\n`));
    return err instanceof StartupError ? err.exitCode : 1;
  }
}

async function migrate(args: string[]): Promise<string> {
  const parsed = loadConfig(["--store=jetstream", ...args], Deno.env.toObject());
  if (parsed.help) return HELP;
  const { config } = parsed;
  using _lock = await lockDataDir(config.dataDir, "migrate");
  const logOpts = { retention: config.retention, maxPendingEvents: config.maxPendingEvents };
  await using source = await openKvStorage(`${config.dataDir}/jimbot.kv`, logOpts);
  const s = config.store;
  await using target = await openJetStreamStorage({
    ...logOpts,
    nats: natsOptions(s),
  });
  if (target.log.bounds().head > 0) {
    throw new StartupError(
      `Cannot migrate: the JetStream namespace "${s.natsNamespace}" already holds events`,
      1,
    );
  }
  const shift = source.log.bounds().first;
  const events = await copyEvents(source, target);
  const deadLetters = await copyDeadLetters(source, target);
  const groups = await source.groups.list();
  for (const [group, offset] of groups) await target.groups.commit(group, offset - shift);
  const commands = await source.commands.peek(1_000_000);
  await target.commands.append(commands.map((c) => c.line));
  let keys = 0;
  for (const prefix of STATE_PREFIXES) {
    for (const key of await source.coordinator.list(prefix)) {
      const v = await source.coordinator.get(key);
      if (v && await target.coordinator.swap(key, v.value, null) !== null) keys++;
    }
  }
  return `migrated ${config.dataDir} into JetStream namespace "${s.natsNamespace}": ` +
    `${events} events (offsets moved by ${shift}), ${deadLetters} dead letters, ` +
    `${groups.size} consumer groups, ${commands.length} commands, ${keys} coordinator keys`;
}

async function copyEvents(source: Storage, target: JetStreamStorage): Promise<number> {
  let count = 0;
  let chunk: StoredEvent[] = [];
  for await (const e of source.log.read(0, { limit: 1e9 })) {
    chunk.push(e);
    if (chunk.length === CHUNK) {
      await target.log.importEvents(chunk);
      count += chunk.length;
      chunk = [];
    }
  }
  await target.log.importEvents(chunk);
  return count + chunk.length;
}

async function copyDeadLetters(source: Storage, target: JetStreamStorage): Promise<number> {
  const lines: string[] = [];
  for await (const line of source.log.readDeadLetters(0, 1e9)) {
    lines.push(line);
  }
  for (let i = 0; i < lines.length; i += CHUNK) {
    await target.log.importDeadLetters(lines.slice(i, i + CHUNK));
  }
  return lines.length;
}
