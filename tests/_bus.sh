# Shell test kit for the scripts that start a bus of their own (.ci/python_package.sh,
# tests/proto/cross_language.sh); source it after setting $deno, from the repository root.

# An admin token in DATA_DIR's tokens file, printed (reads need a token; ingest on loopback not).
#   admin_token DATA_DIR NAME
admin_token() {
  "$deno" run -A main.ts token create --name "$2" --scopes admin --data-dir "$1" 2>/dev/null
}

# Waits (30 s at most) for the "listening" line of the bus PID logging to LOG and prints it; on
# failure prints the log and why (naming WHO) and returns 1.
#   listening_line LOG PID WHO
listening_line() {
  local log="$1" pid="$2" who="$3" line=""
  for _ in $(seq 1 300); do
    line="$(grep '"msg":"listening"' "$log" 2>/dev/null | head -1)" || true
    if [[ -n "$line" ]]; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$who: bus exited" >&2; return 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "$who: bus did not listen" >&2
  return 1
}

# A number field of a JSON log line: json_number LINE NAME
json_number() {
  sed -nE "s/.*\"$2\":([0-9]+).*/\1/p" <<<"$1"
}
