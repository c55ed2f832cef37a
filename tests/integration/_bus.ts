/**
 * Test kit: the real bus as a child process on an ephemeral port with its own KV file in a temp
 * dir. The port is the one the bus announces in its "listening" log line.
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface StartOptions {
  /** Reuse a data dir (restart after a crash); a new temp dir otherwise. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
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

  get pid(): number {
    return this.#child.pid;
  }

  /** Everything the bus logged so far. */
  get logs(): string {
    return this.#stderr.join("\n");
  }

  static async start(flags: string[] = [], opts: StartOptions = {}): Promise<RunningBus> {
    const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "jimbot-test-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
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
      return new RunningBus(child, dataDir, port, grpcPort, flags, lines, drained);
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

  /** POST with fetch (keep-alive pool); returns status, headers and parsed JSON or text. */
  async post(
    path: string,
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(this.url + path, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
    return await answer(res);
  }

  async get(path: string, headers: Record<string, string> = {}) {
    return await answer(await fetch(this.url + path, { headers }));
  }

  /** GET /api/v1/events as parsed envelopes. */
  async events(query = "limit=100000"): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${this.url}/api/v1/events?${query}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`read failed ${res.status}: ${text}`);
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  async deadLetters(): Promise<Record<string, unknown>[]> {
    const text = await (await fetch(`${this.url}/api/v1/deadletter?limit=100000`)).text();
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
    return await RunningBus.start(this.flags, { dataDir: this.dataDir });
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
