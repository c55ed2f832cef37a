#!/usr/bin/env bash
# apt: protobuf-compiler libprotobuf-dev python3-protobuf cargo librust-prost-dev librust-prost-build-dev
# Schema checks for proto/ (called from .ci/run after those apt installs and `npm ci`):
#   buf lint; regenerated code equals the committed code; buf breaking against the baseline;
#   the breaking check itself fails on a renumbered and on a retyped field (scratch copy);
#   the Rust crate builds offline; TypeScript, Python and Rust decode the same events from a
#   running bus and agree (tests/proto/cross_language.sh, which also runs the client tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
buf="$root/node_modules/.bin/buf"
[[ -x "$buf" ]] || npm ci --no-audit --no-fund
step() { echo "proto: $*"; SECONDS_AT=$SECONDS; }
done_step() { echo "proto:   ok ($((SECONDS - SECONDS_AT)) s)"; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
passed=0

step "buf lint"
"$buf" lint
done_step; passed=$((passed + 1))

step "generated code is up to date"
OUT_ROOT="$scratch/gen" bash proto/gen.sh
diff -r src/gen/jimbot "$scratch/gen/src/gen/jimbot"
diff -r clients/python/jimbot "$scratch/gen/clients/python/jimbot"
done_step; passed=$((passed + 1))

step "buf breaking against proto/baseline.binpb"
"$buf" breaking --against proto/baseline.binpb
done_step; passed=$((passed + 1))

step "the breaking check fails on breaking changes (scratch copy)"
# Each case: a sed edit of payloads.proto, and whether buf breaking must fail.
check_case() {
  local name="$1" edit="$2" must_fail="$3" copy="$scratch/case-$1"
  mkdir -p "$copy"
  cp -r proto buf.yaml "$copy/"
  sed -i -E "$edit" "$copy/proto/jimbot/events/v1/payloads.proto"
  cmp -s proto/jimbot/events/v1/payloads.proto "$copy/proto/jimbot/events/v1/payloads.proto" &&
    { echo "proto: case $name: the edit changed nothing" >&2; return 1; }
  if (cd "$copy" && "$buf" breaking --against proto/baseline.binpb >"$copy/out.txt" 2>&1); then
    [[ "$must_fail" == no ]] || { echo "proto: case $name: buf breaking passed" >&2; return 1; }
  else
    [[ "$must_fail" == yes ]] || { cat "$copy/out.txt" >&2; echo "proto: case $name: failed" >&2; return 1; }
  fi
  echo "proto:   case $name: breaking=$must_fail as expected"
}
check_case renumbered 's/optional double money = 8;/optional double money = 80;/' yes
check_case retyped 's/optional double chips = 6;/optional int64 chips = 6;/' yes
check_case renamed 's/optional double money = 8;/optional double cash = 8;/' yes
check_case added 's/optional string phase = 23;/optional string phase = 23;\n  optional string stake = 24;/' no
done_step; passed=$((passed + 1))

step "Rust crate builds offline against Debian's crate sources"
# CI has no crates.io: point cargo at the crate sources Debian installs. This lives here, not in
# the repository's cargo config, so a clone elsewhere builds against crates.io as usual.
mkdir -p clients/rust/.cargo
cp .ci/cargo-debian.toml clients/rust/.cargo/config.toml
(cd clients/rust && PROTOC="$(command -v protoc)" cargo build --tests --bins --quiet)
done_step; passed=$((passed + 1))

step "cross-language decode against a running bus"
bash tests/proto/cross_language.sh
done_step; passed=$((passed + 1))

echo "proto: $passed passed, 0 failed"
