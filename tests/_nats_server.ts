/**
 * Test kit: real `nats-server` processes with JetStream, one node or a cluster, on free
 * loopback ports with their storage in a temp dir. Found on PATH; `natsServerPath()` is null
 * where it is absent, so tests can skip with a stated reason.
 * @module
 */
import { connect, type NodeConnectionOptions } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";

/** The nats-server executable on PATH, or null. */
export function natsServerPath(): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/nats-server`).isFile) return `${dir}/nats-server`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Why a NATS test is skipped, or null when nats-server is on PATH. */
export const NATS_MISSING: string | null = natsServerPath() === null
  ? "nats-server is not on PATH (Debian package nats-server)"
  : null;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

interface Node {
  readonly name: string;
  readonly port: number;
  readonly config: string;
  child: Deno.ChildProcess | null;
}

/** A running single node or cluster; dispose it to stop every process and remove its files. */
export class NatsCluster implements AsyncDisposable {
  readonly #dir: string;
  readonly #nodes: Node[];
  readonly #connect: NodeConnectionOptions;

  private constructor(dir: string, nodes: Node[], connectOpts: NodeConnectionOptions) {
    this.#dir = dir;
    this.#nodes = nodes;
    this.#connect = connectOpts;
  }

  /** Client URLs of every node (also those stopped). */
  get urls(): string[] {
    return this.#nodes.map((n) => `nats://127.0.0.1:${n.port}`);
  }

  /**
   * Starts `size` nodes (1, or 3 for a cluster) and waits until JetStream answers. `config` is
   * added to every node's configuration (authorization, TLS); `connect` is what a client then
   * needs to get in.
   */
  static async start(
    size: 1 | 3 = 1,
    opts: { config?: string; connect?: NodeConnectionOptions } = {},
  ): Promise<NatsCluster> {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-nats-" });
    const ports = Array.from({ length: size }, () => ({ client: freePort(), route: freePort() }));
    const nodes: Node[] = [];
    for (const [i, p] of ports.entries()) {
      const name = `n${i + 1}`;
      const routes = ports.map((q) => `nats-route://127.0.0.1:${q.route}`).join(", ");
      const cluster = size > 1
        ? `cluster { name: jimbot, listen: "127.0.0.1:${p.route}", routes: [${routes}] }`
        : "";
      const config = `${dir}/${name}.conf`;
      await Deno.writeTextFile(
        config,
        `server_name: ${name}\nlisten: "127.0.0.1:${p.client}"\n` +
          `jetstream { store_dir: "${dir}/${name}" }\n${cluster}\n${opts.config ?? ""}\n`,
      );
      nodes.push({ name, port: p.client, config, child: null });
    }
    const cluster = new NatsCluster(dir, nodes, opts.connect ?? {});
    try {
      for (let i = 0; i < size; i++) cluster.startNode(i);
      await cluster.waitReady();
    } catch (err) {
      await cluster[Symbol.asyncDispose]();
      throw err;
    }
    return cluster;
  }

  /** (Re)starts node `i` on its old port and storage. */
  startNode(i: number): void {
    const node = this.#nodes[i];
    if (node.child) return;
    node.child = new Deno.Command(natsServerPath()!, {
      args: ["-c", node.config],
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** Kills node `i` at once (SIGKILL), as a crash would. */
  async killNode(i: number): Promise<void> {
    const node = this.#nodes[i];
    if (!node.child) return;
    node.child.kill("SIGKILL");
    await node.child.status;
    node.child = null;
  }

  /** Waits until JetStream accepts API calls through the first running node. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = this.#nodes.filter((n) => n.child).map((n) => `127.0.0.1:${n.port}`);
    let last: unknown = null;
    while (Date.now() < deadline) {
      try {
        const nc = await connect({
          ...this.#connect,
          servers: running,
          timeout: 1_000,
          reconnect: false,
        });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2_000 });
          await jsm.getAccountInfo();
          return;
        } finally {
          await nc.close();
        }
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`nats-server did not become ready: ${last}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (let i = 0; i < this.#nodes.length; i++) await this.killNode(i);
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}
