/**
 * `jimbot token create|revoke|list`: edits the tokens file a running bus re-reads within a
 * second. A new token is printed once, on stdout; the file keeps only its hash.
 * @module
 */
import { ConfigError, loadConfig } from "../config.ts";
import { parseScopes, SCOPES, tokensPath } from "../auth/mod.ts";
import { newToken, readTokensFile, writeTokensFile } from "../auth/tokens.ts";

const HELP = `Usage:
  jimbot token create --name NAME --scopes SCOPE[,SCOPE…] [--data-dir DIR | --tokens-file FILE]
      prints a new token once (keep it: only its hash is stored)
  jimbot token revoke ID [--data-dir DIR | --tokens-file FILE]
  jimbot token list [--data-dir DIR | --tokens-file FILE]

Scopes: ${SCOPES.join(", ")} (admin implies all; see docs/security.md).
A running bus picks up changes within a second.
`;

const encoder = new TextEncoder();

export async function tokenCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const own = takeFlags(rest, ["--name", "--scopes"]);
    const parsed = loadConfig(own.rest, Deno.env.toObject());
    if (parsed.help || !sub || sub === "--help" || sub === "-h") {
      Deno.stdout.writeSync(encoder.encode(HELP));
      return sub ? 0 : 2;
    }
    const path = tokensPath(parsed.config.auth, parsed.config.dataDir);
    const entries = await readTokensFile(path);
    switch (sub) {
      case "create": {
        const scopes = parseScopes(own.flags["--scopes"] ?? "");
        const name = own.flags["--name"] ?? "";
        if (!name) throw new ConfigError("token create needs --name");
        await Deno.mkdir(parsed.config.dataDir, { recursive: true });
        const { token, entry } = newToken(name, scopes);
        await writeTokensFile(path, [...entries, entry]);
        Deno.stdout.writeSync(encoder.encode(token + "\n"));
        stderr(`created token ${entry.id} "${name}" with ${scopes.join(", ")} in ${path}`);
        return 0;
      }
      case "revoke": {
        const id = parsed.rest[0];
        const kept = entries.filter((e) => e.id !== id);
        if (!id || kept.length === entries.length) {
          stderr(`No token with id "${id ?? ""}" in ${path} (see jimbot token list)`);
          return 1;
        }
        await writeTokensFile(path, kept);
        stderr(`revoked token ${id}`);
        return 0;
      }
      case "list": {
        const lines = entries.map((e) => `${e.id}  ${e.name}  ${e.scopes.join(",")}  ${e.created}`);
        Deno.stdout.writeSync(encoder.encode(lines.map((l) => l + "\n").join("")));
        return 0;
      }
      default:
        stderr(`Unknown token command "${sub}"; run jimbot token --help`);
        return 2;
    }
  } catch (err) {
    stderr((err as Error).message);
    return 2;
  }
}

/** Removes this command's own `--flag value` pairs, leaving the bus options. */
function takeFlags(args: string[], names: string[]) {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    if (!names.includes(name)) rest.push(args[i]);
    else flags[name] = inline ?? args[++i] ?? "";
  }
  return { flags, rest };
}

function stderr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}
