#!/usr/bin/env bash
# Cross-language check: TypeScript, Python and Rust read the same stored events from a running bus
# as a length-delimited protobuf stream, decode them with their generated types and must print
# identical digests. Also runs the Python and Rust client tests against that bus.
#
#   bash tests/proto/cross_language.sh          starts `main.ts serve` on a free port (temp data)
#   JIMBOT_URL=http://127.0.0.1:8080 bash …     uses a bus that is already running
#   JIMBOT_FAKE_BUS=1 bash …                    uses tests/proto/_fake_bus.ts instead of main.ts
# Needs: deno (node_modules/.bin); python3 with google.protobuf, cargo and protoc on PATH (each
# language whose tools are missing is skipped with the reason; CI installs them all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
deno="$root/node_modules/.bin/deno"
# shellcheck source=../_bus.sh
source "$root/tests/_bus.sh"
# The first python3 on PATH that has google.protobuf (a pyenv shim may come before Debian's).
python=""
IFS=: read -ra path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  if [[ -x "$dir/python3" ]] && "$dir/python3" -c "import google.protobuf" 2>/dev/null; then
    python="$dir/python3"; break
  fi
done
rust=yes
command -v cargo >/dev/null && command -v protoc >/dev/null || rust=""
[[ -n "$python" ]] || echo "cross-language: Python skipped: no python3 with google.protobuf on PATH (apt-get install python3-protobuf)"
[[ -n "$rust" ]] || echo "cross-language: Rust skipped: cargo or protoc not on PATH (apt-get install cargo protobuf-compiler)"
fixtures="${JIMBOT_FIXTURES:-$root/tests/testdata/balatromcp}"
export JIMBOT_FIXTURES="$fixtures"
work="$(mktemp -d)"
bus_pid=""
cleanup() {
  if [[ -n "$bus_pid" ]]; then kill "$bus_pid" 2>/dev/null || true; wait "$bus_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "${JIMBOT_URL:-}" ]]; then
  if [[ -f main.ts && -z "${JIMBOT_FAKE_BUS:-}" ]]; then
    mkdir -p "$work/data"
    # An admin token: the Python and Rust readers need the "read" scope.
    JIMBOT_TOKEN="$(admin_token "$work/data" cross-language)"
    export JIMBOT_TOKEN
    "$deno" run -A main.ts serve --port=0 --grpc-port=0 --data-dir="$work/data" 2>"$work/bus.log" &
    mode=real
  else
    "$deno" run -A tests/proto/_fake_bus.ts --port=0 2>"$work/bus.log" &
    mode=fake
  fi
  bus_pid=$!
  line="$(listening_line "$work/bus.log" "$bus_pid" cross-language)" || exit 1
  export JIMBOT_URL="http://127.0.0.1:$(json_number "$line" port)"
else
  mode=given
fi
echo "cross-language: bus ($mode) at $JIMBOT_URL"

# The mod's bodies, byte for byte (the .txt ones need the real bus's lenient parser).
bodies=(game_state_initial.json heartbeat_batch.json state_diff_batch.json scoring_sequence.json
  round_complete.json jokers_changed_empty.json menu_state.json)
[[ "$mode" != fake ]] && bodies+=(nan_inf_numbers.txt raw_control_char.txt)
[[ -n "$python" ]] && (cd clients/python && "$python" - "$fixtures" "${bodies[@]}" <<'PY'
import os, sys
from jimbot_bus import BusClient
bus = BusClient(os.environ["JIMBOT_URL"])
fixtures = sys.argv[1]
def body(name):
    with open(os.path.join(fixtures, name), "rb") as f:
        return f.read()
print("connection_test.json", bus.post_event_raw(body("connection_test.json")))
for name in sys.argv[2:]:
    print(name, bus.post_batch_raw(body(name)))
PY
)

if [[ -n "$python" ]]; then
  echo "cross-language: Python client tests"
  (cd clients/python && "$python" -m unittest discover -v -s tests 2>&1)
fi
if [[ -n "$rust" ]]; then
  echo "cross-language: Rust client tests"
  (cd clients/rust && PROTOC="$(command -v protoc)" cargo test --quiet 2>&1)
fi

"$deno" run -A tests/proto/digest.ts >"$work/ts.txt"
failed=0
if [[ -n "$python" ]]; then
  (cd clients/python && "$python" jimbot_digest.py) >"$work/py.txt"
  diff -u "$work/ts.txt" "$work/py.txt" || failed=1
fi
if [[ -n "$rust" ]]; then
  (cd clients/rust && PROTOC="$(command -v protoc)" cargo run --quiet --bin jimbot-digest) >"$work/rs.txt"
  diff -u "$work/ts.txt" "$work/rs.txt" || failed=$((failed + 1))
fi
events=$(wc -l <"$work/ts.txt")
if ((events < 20)); then echo "cross-language: only $events events read back" >&2; failed=$((failed + 1)); fi
if ((failed == 0)); then
  echo "cross-language: $events events, TypeScript, Python and Rust digests agree"
  echo "cross-language: 1 passed, 0 failed"
else
  echo "cross-language: 0 passed, 1 failed"
  exit 1
fi
