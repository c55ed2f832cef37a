/**
 * Test kit: the real bus as a child process on an ephemeral port with its own KV file in a temp
 * dir. The port is the one the bus announces in its "listening" log line.
 * @module
 */

import { newToken, writeTokensFile } from "../../src/auth/tokens.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface StartOptions {
  /** Reuse a data dir (restart after a crash); a new temp dir otherwise. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  /** The admin token already in the data dir's tokens file (a restart keeps it). */
  readonly token?: string;
  /** Start with no tokens file at all (the token is then ""). */
  readonly withoutToken?: boolean;
  /** Start the bus under this soft open-file limit (`ulimit -Sn`, through sh). */
  readonly softOpenFiles?: number;
  /** Run the bus inside this network namespace (tests/_netns.ts), as a host of a test network. */
  readonly netns?: string;
  /** Flags for `deno run` itself (e.g. --cpu-prof, --v8-flags=…), placed before main.ts. */
  readonly denoFlags?: readonly string[];
}

export class RunningBus {
  #child: Deno.ChildProcess;
  #stderr: string[] = [];
  #drained: Promise<void>;
  #exited = false;

  private constructor(
    child: Deno.ChildProcess,
    readonly dataDir: string,
    readonly port: number,
    /** The native gRPC port the bus announced. */
    readonly grpcPort: number,
    readonly flags: string[],
    /** An admin token in the bus's tokens file: tests act as a trusted client with it. */
    readonly token: string,
    stderr: string[],
    drained: Promise<void>,
  ) {
    this.#child = child;
    this.#stderr = stderr;
    this.#drained = drained;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The Authorization header of {@linkcode token}. */
  get auth(): { authorization: string } {
    return { authorization: `Bearer ${this.token}` };
  }

  /** The console's one-time login link the bus logged at start (a browser opens it first). */
  get loginLink(): string {
    for (const line of this.logs.split("\n")) {
      if (!line.startsWith("{")) continue;
      const record = JSON.parse(line);
      if (record.msg === "console login link (works once)") return record.url;
    }
    throw new Error(`the bus logged no login link:\n${this.logs}`);
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Everything the bus logged so far. */
  get logs(): string {
    return this.#stderr.join("\n");
  }

  static async start(flags: string[] = [], opts: StartOptions = {}): Promise<RunningBus> {
    const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "jimbot-test-" });
    let token = opts.withoutToken ? "" : opts.token;
    if (token === undefined) {
      const made = newToken("test-admin", ["admin"]);
      await writeTokensFile(`${dataDir}/tokens.json`, [made.entry]);
      token = made.token;
    }
    const limit = opts.softOpenFiles;
    const [command, ...wrapper] = [
      ...(opts.netns === undefined ? [] : ["ip", "netns", "exec", opts.netns]),
      ...(limit === undefined ? [] : ["sh", "-c", `ulimit -Sn ${limit} && exec "$0" "$@"`]),
      Deno.execPath(),
    ];
    const child = new Deno.Command(command, {
      args: [
        ...wrapper,
        "run",
        "-A",
        ...opts.denoFlags ?? [],
        MAIN,
        "serve",
        "--port=0",
        "--grpc-port=0",
        `--data-dir=${dataDir}`,
        // Advice events would change the event counts tests expect; advisor_test turns it on.
        "--live-advice=false",
        ...flags,
      ],
      env: opts.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    const { promise: listening, resolve, reject } = Promise.withResolvers<
      { port: number; grpcPort: number }
    >();
    const drained = (async () => {
      const decoder = new TextDecoderStream();
      let buffered = "";
      for await (const chunk of child.stderr.pipeThrough(decoder)) {
        buffered += chunk;
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          lines.push(line);
          if (line.includes('"msg":"listening"')) resolve(JSON.parse(line));
        }
      }
      reject(new Error(`bus exited before listening:\n${lines.join("\n")}${buffered}`));
    })();
    const timer = setTimeout(() => reject(new Error("bus did not start within 20 s")), 20_000);
    try {
      const { port, grpcPort } = await listening;
      return new RunningBus(child, dataDir, port, grpcPort, flags, token, lines, drained);
    } catch (err) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await drained.catch(() => {});
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * POST with fetch (keep-alive pool) as the admin token; returns status, headers and parsed
   * JSON or text.
   */
  async post(
    path: string,
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(this.url + path, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...this.auth, ...headers },
    });
    return await answer(res);
  }

  /** GET as the admin token. */
  async get(path: string, headers: Record<string, string> = {}) {
    return await answer(await fetch(this.url + path, { headers: { ...this.auth, ...headers } }));
  }

  /** GET /api/v1/events as parsed envelopes. */
  async events(query = "limit=100000"): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${this.url}/api/v1/events?${query}`, { headers: this.auth });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`read failed ${res.status}: ${text}`);
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  async deadLetters(): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${this.url}/api/v1/deadletter?limit=100000`, { headers: this.auth });
    const text = await res.text();
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  /** Stops with SIGTERM (graceful) or SIGKILL (crash); returns the exit code. */
  async stop(signal: "SIGTERM" | "SIGKILL" | "SIGINT" = "SIGTERM"): Promise<number> {
    if (this.#exited) return 0;
    this.#child.kill(signal);
    const status = await this.#child.status;
    await this.#drained.catch(() => {});
    this.#exited = true;
    return status.code;
  }

  /** Stops, then starts again on the same data dir (a new port). */
  async restart(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<RunningBus> {
    await this.stop(signal);
    return await RunningBus.start(this.flags, { dataDir: this.dataDir, token: this.token });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop("SIGKILL");
    await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

/** Starts a bus; the caller disposes it (`await using bus = await startBus()`). */
export function startBus(flags: string[] = [], opts: StartOptions = {}): Promise<RunningBus> {
  return RunningBus.start(flags, opts);
}

/** Runs main.ts with `args` to the end; its exit code and output. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export const FIXTURES = new URL("../testdata/balatromcp/", import.meta.url).pathname;

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(FIXTURES + name);
}
