#!/usr/bin/env bash
# apt: python3 python3-pip python3-setuptools python3-wheel python3-venv python3-numpy python3-grpcio python3-protobuf
# The Python package (clients/python): builds the wheel offline with Debian's tools (no build
# isolation, no index), installs it into a fresh venv that sees Debian's numpy/grpcio/protobuf,
# checks the installed copy is the one imported, and runs the package's tests from outside the
# source tree against a running bus (so the live tests run too), then the observation benchmark.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deno="$root/node_modules/.bin/deno"
# shellcheck source=../tests/_bus.sh
source "$root/tests/_bus.sh"
python=/usr/bin/python3
work="$(mktemp -d)"
bus_pid=""
cleanup() {
  if [[ -n "$bus_pid" ]]; then kill "$bus_pid" 2>/dev/null || true; wait "$bus_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "python package: wheel (offline, no build isolation)"
cp -r clients/python "$work/src"
find "$work/src" -name __pycache__ -prune -exec rm -rf {} +
(cd "$work/src" && "$python" -m pip wheel --quiet --no-deps --no-build-isolation --no-index -w "$work/dist" .)
wheel="$(ls "$work"/dist/jimbot_bus-*.whl)"
echo "python package:   $(basename "$wheel")"

echo "python package: install into a venv (--system-site-packages for numpy, grpcio, protobuf)"
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-deps --no-index "$wheel"
(cd "$work" && "$work/venv/bin/python" -c "
import jimbot_bus, jimbot.events.v1.envelope_pb2 as e, sys
assert jimbot_bus.__file__.startswith('$work/venv/'), jimbot_bus.__file__
assert e.__file__.startswith('$work/venv/'), e.__file__
print('python package:   imported from', jimbot_bus.__file__)")

echo "python package: a bus to test against"
mkdir -p "$work/data"
# An admin token for the live tests (reads, coordinator and tracking need one).
token="$(admin_token "$work/data" python-tests)"
"$deno" run -A main.ts serve --port=0 --grpc-port=0 --data-dir="$work/data" --live-advice=false \
  2>"$work/bus.log" &
bus_pid=$!
line="$(listening_line "$work/bus.log" "$bus_pid" "python package")" || exit 1
port="$(json_number "$line" port)"
grpc_port="$(json_number "$line" grpcPort)"

echo "python package: tests of the installed wheel"
(cd "$work" && JIMBOT_URL="http://127.0.0.1:$port" JIMBOT_GRPC="127.0.0.1:$grpc_port" \
  JIMBOT_TOKEN="$token" \
  JIMBOT_FIXTURES="$root/tests/testdata/balatromcp" \
  "$work/venv/bin/python" -m unittest discover -v -s "$root/clients/python/tests" \
  -t "$root/clients/python/tests" 2>&1 | tee "$work/tests.txt")
grep -q '^OK$' "$work/tests.txt"
if grep -q skipped "$work/tests.txt"; then echo "python package: a test was skipped" >&2; exit 1; fi

echo "python package: observation benchmark"
(cd "$work" && cp "$root/clients/python/bench_observations.py" . &&
  JIMBOT_FIXTURES="$root/tests/testdata/balatromcp" "$work/venv/bin/python" bench_observations.py 100000)
