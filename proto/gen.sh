#!/usr/bin/env bash
# Regenerates every committed file made from proto/ (`deno task gen`):
#   src/gen/                  TypeScript, protoc-gen-es (npm, pinned in package.json)
#   clients/python/jimbot/    Python, protoc's built-in generator (Debian protobuf-compiler 3.21)
# Rust types are not committed: clients/rust/build.rs generates them with prost at build time.
# Needs: `npm ci` (buf and protoc-gen-es in node_modules/.bin) and protoc on PATH
# (`apt-get install protobuf-compiler`). OUT_ROOT=<dir> writes into another tree (CI's diff check).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT_ROOT:-$root}"
buf="$root/node_modules/.bin/buf"
[[ -x "$buf" && -x "$root/node_modules/.bin/protoc-gen-es" ]] ||
  { echo "gen: buf or protoc-gen-es missing: run 'npm ci' in $root" >&2; exit 1; }
command -v protoc >/dev/null ||
  { echo "gen: protoc is not on PATH: apt-get install protobuf-compiler" >&2; exit 1; }
rm -rf "$out/src/gen/jimbot" "$out/clients/python/jimbot"
cd "$root"
if [[ "$out" == "$root" ]]; then
  "$buf" generate
else
  # Same template, other output folders: rewrite the `out:` paths into a temporary template.
  tmpl="$(mktemp --suffix=.yaml)"
  trap 'rm -f "$tmpl"' EXIT
  sed -E "s#^( +out: )(.*)#\\1$out/\\2#" buf.gen.yaml >"$tmpl"
  "$buf" generate --template "$tmpl"
fi
