/**
 * Runs analytics jobs (job.ts) in child processes, a few at a time: the main thread never runs
 * them, and a job past its time budget is killed, so its CPU is free at once (a worker thread
 * could not be stopped inside SQLite). A compiled binary runs itself with a hidden subcommand.
 * @module
 */
import { BusError } from "../errors.ts";
import { type AnalyticsJob, JOB_READY, type JobReply, type JobResult } from "./job.ts";

/** The subcommand main.ts hands to jobChildMain() in a compiled binary. */
export const JOB_SUBCOMMAND = "__analytics-job";
/** Jobs running at once (the machine's cores are for ingest and streams first). */
const MAX_RUNNING = 2;
/** Jobs waiting for a slot; more are refused (429). */
const MAX_WAITING = 16;

const JOB_SCRIPT = new URL("./job.ts", import.meta.url).pathname;
/** Longest a child may take to load before its job starts (not part of the job's budget). */
const STARTUP_TIMEOUT_MS = 20_000;

export class JobRunner {
  readonly #running = new Set<Deno.ChildProcess>();
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  /**
   * The job's result, or a BusError: malformed for a failed job or one stopped at its budget;
   * over_limit when too many jobs wait.
   */
  async run(
    path: string,
    job: AnalyticsJob,
    timeoutMs: number,
  ): Promise<{ result: JobResult; payload: Uint8Array }> {
    await this.#slot();
    try {
      return await this.#spawn(path, job, timeoutMs);
    } finally {
      // The slot passes to the next waiter, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  /** Kills every running job (shutdown). */
  killAll(): void {
    for (const child of this.#running) kill(child);
  }

  async #slot(): Promise<void> {
    if (this.#active < MAX_RUNNING) {
      this.#active++;
      return;
    }
    if (this.#waiting.length >= MAX_WAITING) {
      throw new BusError("over_limit", "Too many analytics jobs are waiting; retry shortly", {
        retryAfterS: 2,
      });
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  async #spawn(
    path: string,
    job: AnalyticsJob,
    timeoutMs: number,
  ): Promise<{ result: JobResult; payload: Uint8Array }> {
    const dir = path.slice(0, path.lastIndexOf("/") + 1) || ".";
    const args = Deno.build.standalone ? [JOB_SUBCOMMAND] : [
      "run",
      "--quiet",
      "--no-prompt",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      JOB_SCRIPT,
    ];
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#running.add(child);
    // The budget is the job's: it starts when the child has loaded and says so on stderr.
    let timedOut = false;
    let timer = setTimeout(() => kill(child), STARTUP_TIMEOUT_MS);
    const startBudget = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        kill(child);
      }, timeoutMs);
    };
    try {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify({ path, job })));
      await writer.close();
      const [out, err] = await Promise.all([
        new Response(child.stdout).bytes(),
        readStderr(child.stderr, startBudget),
        child.status,
      ]);
      if (timedOut) {
        throw new BusError(
          "malformed",
          `Cannot run the query: it was stopped after its time budget of ${timeoutMs} ms; ` +
            "narrow it or add a LIMIT",
          { details: [{ reason: "time_budget", budgetMs: timeoutMs }] },
        );
      }
      const newline = out.indexOf(10);
      let reply: JobReply;
      try {
        reply = JSON.parse(new TextDecoder().decode(out.subarray(0, newline)));
      } catch {
        throw new Error(`analytics job failed: ${err.trim().slice(0, 500)}`);
      }
      if (!reply.ok) {
        throw new BusError("malformed", `Cannot run the query: ${reply.error}`, {
          details: [{ reason: "sql_error" }],
        });
      }
      return { result: reply.result, payload: out.subarray(newline + 1) };
    } finally {
      clearTimeout(timer);
      this.#running.delete(child);
    }
  }
}

/** The child's stderr; `onReady` runs when its READY line arrives (which is left out). */
async function readStderr(
  stderr: ReadableStream<Uint8Array>,
  onReady: () => void,
): Promise<string> {
  let text = "";
  let ready = false;
  for await (const chunk of stderr.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (!ready && text.includes(JOB_READY)) {
      ready = true;
      text = text.replace(JOB_READY, "");
      onReady();
    }
  }
  return text;
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already exited */ }
}

/** The runner of this process: analytics jobs share its slots. */
export const analyticsJobs: JobRunner = new JobRunner();
