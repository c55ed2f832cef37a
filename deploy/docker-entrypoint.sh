#!/bin/sh
# Runs the container's command as the owner of the data directory, so a folder mounted from the
# host stays writable and its files keep their host owner. A root-owned folder (one Docker
# created) is given to the image's `deno` user. Started as a non-root user (`docker run --user`),
# it runs the command unchanged.
set -eu
data="${JIMBOT_DATA_DIR:-/data}"
if [ "$(id -u)" != 0 ]; then
  exec "$@"
fi
mkdir -p "$data"
if [ "$(stat -c %u "$data")" = 0 ]; then
  chown deno:deno "$data"
fi
owner="--reuid=$(stat -c %u "$data") --regid=$(stat -c %g "$data") --clear-groups"
# How this image runs the program (the compiled binary's image would say `jimbot`).
jimbot="${JIMBOT_COMMAND:-deno run -A /app/main.ts}"
# A bus listening on a network needs at least one token (docs/security.md). With
# JIMBOT_SCRAPE_TOKEN_FILE set (compose.yaml), the first start creates a "read" token for
# Prometheus and writes it there, for the Prometheus container that shares the file.
token_file="${JIMBOT_SCRAPE_TOKEN_FILE:-}"
if [ -n "$token_file" ] && [ ! -s "$token_file" ]; then
  mkdir -p "$(dirname "$token_file")"
  # shellcheck disable=SC2086 # both hold several words on purpose
  setpriv $owner $jimbot token create --name prometheus \
    --scopes read --data-dir "$data" >"$token_file.tmp"
  mv "$token_file.tmp" "$token_file"
  chmod 0644 "$token_file"
fi
# shellcheck disable=SC2086
exec setpriv $owner "$@"
