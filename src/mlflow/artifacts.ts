/**
 * Artifact files (MLflow's `mlflow-artifacts` proxy): stored under `<data dir>/mlflow-artifacts/`
 * with a cap on the total size. Uploads stream to a temporary file, are synced, then renamed into
 * place, so a file is either complete and durable or absent.
 * @module
 */
import { invalid, MlflowError, notFound } from "./errors.ts";

export interface ArtifactFile {
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

export class ArtifactStore {
  #used: number | undefined;
  /** Bytes of uploads still streaming: they count against the cap too. */
  #inFlight = 0;
  readonly #root: string;

  constructor(dataDir: string, readonly maxTotalBytes: number) {
    this.#root = `${dataDir}/mlflow-artifacts`;
  }

  /**
   * Streams `body` to `path`; refuses it (and keeps nothing) once the cap would be passed,
   * counting the bytes of uploads still in progress, or when no data arrives for `idleMs`.
   */
  async put(path: string, body: ReadableStream<Uint8Array> | null, idleMs: number): Promise<void> {
    const rel = safePath(path, false);
    const target = this.#abs(rel);
    const used = await this.#usage();
    const previous = await fileSize(target);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    const temp = `${target}.upload-${crypto.randomUUID()}`;
    const file = await Deno.open(temp, { write: true, createNew: true });
    let written = 0;
    try {
      const reader = body?.getReader();
      for (;;) {
        const next = reader ? await readWithin(reader, idleMs) : { done: true as const };
        if (next.done) break;
        const chunk = next.value;
        if (this.#used! + this.#inFlight + chunk.length - previous > this.maxTotalBytes) {
          reader?.cancel().catch(() => {});
          throw new MlflowError(
            "RESOURCE_EXHAUSTED",
            `Artifact storage is full: the limit is ${this.maxTotalBytes} bytes in total (${used} used)`,
            413,
          );
        }
        written += chunk.length;
        this.#inFlight += chunk.length;
        let at = 0;
        while (at < chunk.length) at += await file.write(chunk.subarray(at));
      }
      await file.sync();
      file.close();
      await Deno.rename(temp, target);
      this.#used = this.#used! - previous + written;
    } catch (err) {
      try {
        file.close();
      } catch {
        // already closed
      }
      await Deno.remove(temp).catch(() => {});
      throw err;
    } finally {
      this.#inFlight -= written;
    }
  }

  /** The file's bytes as a stream, or RESOURCE_DOES_NOT_EXIST. */
  async get(path: string): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
    const target = this.#abs(safePath(path, false));
    try {
      const file = await Deno.open(target, { read: true });
      const info = await file.stat();
      if (!info.isFile) {
        file.close();
        throw notFound(`Artifact '${path}' is a directory`);
      }
      return { body: file.readable, size: info.size };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw notFound(`Artifact '${path}' not found`);
      throw err;
    }
  }

  async delete(path: string): Promise<void> {
    const target = this.#abs(safePath(path, false));
    const size = await treeSize(target);
    try {
      await Deno.remove(target, { recursive: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw notFound(`Artifact '${path}' not found`);
      throw err;
    }
    if (this.#used !== undefined) this.#used -= size;
  }

  /** The entries directly under `path` ("" = the root); paths are relative to the root. */
  async list(path: string): Promise<ArtifactFile[]> {
    const rel = safePath(path, true);
    const dir = this.#abs(rel);
    const out: ArtifactFile[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.name.includes(".upload-")) continue;
        const child = rel ? `${rel}/${e.name}` : e.name;
        out.push(
          e.isDirectory
            ? { path: child, is_dir: true }
            : { path: child, is_dir: false, file_size: (await Deno.stat(`${dir}/${e.name}`)).size },
        );
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory)) {
        throw err;
      }
    }
    return out.sort((a, b) => a.path < b.path ? -1 : 1);
  }

  #abs(rel: string): string {
    return rel ? `${this.#root}/${rel}` : this.#root;
  }

  async #usage(): Promise<number> {
    this.#used ??= await treeSize(this.#root);
    return this.#used;
  }
}

/** A relative path without `..`, `.`, empty parts, backslashes or control characters. */
export function safePath(path: string, allowEmpty: boolean): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") {
    if (allowEmpty) return "";
    throw invalid("The artifact path is empty");
  }
  const parts = trimmed.split("/");
  const bad = parts.find((p) =>
    p === "" || p === "." || p === ".." || p.length > 255 || /[\\\p{Cc}]/u.test(p)
  );
  if (bad !== undefined) {
    throw invalid(
      `Invalid artifact path: '${path}'. Paths must be relative and may not contain '..'`,
    );
  }
  return parts.join("/");
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

async function treeSize(path: string): Promise<number> {
  let info;
  try {
    info = await Deno.stat(path);
  } catch {
    return 0;
  }
  if (info.isFile) return info.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) total += await treeSize(`${path}/${e.name}`);
  return total;
}

/** The next chunk, or a 408 when none arrives within `idleMs`. */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before cancelling: a cancel ends the pending read as "done" at once.
      reject(new MlflowError("BAD_REQUEST", `No upload data arrived for ${idleMs} ms`, 408));
      reader.cancel().catch(() => {});
    }, idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}
