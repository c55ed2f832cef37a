/**
 * Bearer tokens. A token is `jbt_<id>.<secret>`: the id names it (and owns what it creates), the
 * 256-bit secret proves it. The tokens file keeps only SHA-256 hashes (a random 256-bit secret
 * needs no slow hash), compared in constant time. The file is re-read when it changes, so
 * `jimbot token create/revoke` take effect without a restart.
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import { isScope, type Scope } from "./scopes.ts";

export interface TokenEntry {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Hex SHA-256 of the whole token. */
  readonly sha256: string;
  readonly created: string;
}

const TOKEN = /^jbt_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

/** A new random token and the entry that stores it (the token itself is shown once). */
export function newToken(
  name: string,
  scopes: readonly Scope[],
): { token: string; entry: TokenEntry } {
  const id = hex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const token = `jbt_${id}.${secret}`;
  return {
    token,
    entry: {
      id,
      name,
      scopes: [...scopes],
      sha256: sha256Hex(token),
      created: new Date().toISOString(),
    },
  };
}

/** The entry `token` proves, or null. */
export function verifyToken(
  entries: ReadonlyMap<string, TokenEntry>,
  token: string,
): TokenEntry | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const entry = entries.get(m[1]);
  if (!entry) return null;
  const given = createHash("sha256").update(token).digest();
  const stored = Buffer.from(entry.sha256, "hex");
  return stored.length === given.length && timingSafeEqual(given, stored) ? entry : null;
}

/** Parses a tokens file; throws naming what is wrong. */
export function parseTokensFile(text: string): TokenEntry[] {
  const doc = JSON.parse(text) as { tokens?: unknown };
  if (!doc || !Array.isArray(doc.tokens)) throw new Error('expected {"tokens": [...]}');
  return doc.tokens.map((t: Record<string, unknown>, i: number) => {
    const scopes = t?.scopes;
    if (
      typeof t?.id !== "string" || !/^[0-9a-f]{16}$/.test(t.id) ||
      typeof t.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(t.sha256) ||
      !Array.isArray(scopes) || !scopes.every((s) => typeof s === "string" && isScope(s))
    ) {
      throw new Error(`token ${i} needs an id, a sha256 and known scopes`);
    }
    return {
      id: t.id,
      name: typeof t.name === "string" ? t.name : "",
      scopes: scopes as Scope[],
      sha256: t.sha256,
      created: typeof t.created === "string" ? t.created : "",
    };
  });
}

export async function readTokensFile(path: string): Promise<TokenEntry[]> {
  try {
    return parseTokensFile(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw new Error(`Cannot read the tokens file ${path}: ${(err as Error).message}`);
  }
}

/** Replaces the file atomically, readable by its owner only. */
export async function writeTokensFile(path: string, entries: readonly TokenEntry[]): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify({ tokens: entries }, null, 2) + "\n", {
    mode: 0o600,
  });
  await Deno.rename(tmp, path);
}

/** The tokens of a file, kept current while the bus runs. */
export class TokenStore {
  #entries = new Map<string, TokenEntry>();
  #stamp = "";
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<TokenStore> {
    const store = new TokenStore(path);
    await store.reload();
    return store;
  }

  get size(): number {
    return this.#entries.size;
  }

  verify(token: string): TokenEntry | null {
    return verifyToken(this.#entries, token);
  }

  /** Re-reads the file when its size or mtime changed; a broken file keeps the old tokens. */
  async reload(): Promise<boolean> {
    const stamp = await fileStamp(this.path);
    if (stamp === this.#stamp) return false;
    const entries = await readTokensFile(this.path);
    this.#entries = new Map(entries.map((e) => [e.id, e]));
    this.#stamp = stamp;
    return true;
  }

  /** Polls the file every `intervalMs`; `onError` hears about a file that cannot be read. */
  watch(intervalMs: number, onChange: () => void, onError: (err: Error) => void): void {
    const timer = setInterval(() => {
      this.reload().then((changed) => changed && onChange(), onError);
    }, intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

async function fileStamp(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.size}:${s.mtime?.getTime()}:${s.ino}`;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "absent";
    throw err;
  }
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** URL-safe random text (for secrets, session ids, unguessable resource ids). */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** `n` random bytes as URL-safe text. */
export function randomId(n = 16): string {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}
