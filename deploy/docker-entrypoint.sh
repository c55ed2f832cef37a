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
exec setpriv --reuid="$(stat -c %u "$data")" --regid="$(stat -c %g "$data")" --clear-groups "$@"
