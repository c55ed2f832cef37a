#!/usr/bin/env bash
# Quick start: builds the bus image and starts the compose environment (bus, PostgreSQL,
# Prometheus, Grafana), waits until the bus is healthy, then prints where everything is.
#   deploy/quickstart.sh            # the environment of compose.yaml
#   deploy/quickstart.sh --dev      # with the source mounted and `deno task dev`
#   deploy/quickstart.sh --nats     # plus the NATS JetStream cluster and the scale-out bus
#   deploy/quickstart.sh --down     # stop everything (volumes are kept)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  echo "quickstart: needs Docker with the compose plugin (or docker-compose)" >&2
  exit 1
fi

files=(-f compose.yaml)
profiles=()
for arg in "$@"; do
  case "$arg" in
    --dev) files+=(-f compose.dev.yaml) ;;
    --nats) profiles+=(--profile nats) ;;
    --down)
      "${compose[@]}" "${files[@]}" --profile nats down
      exit 0
      ;;
    *)
      echo "quickstart: unknown option $arg (use --dev, --nats or --down)" >&2
      exit 2
      ;;
  esac
done

"${compose[@]}" "${files[@]}" "${profiles[@]}" up -d --build

http_port="${JIMBOT_HTTP_PORT:-8080}"
echo -n "waiting for the bus on port $http_port "
for _ in $(seq 1 90); do
  if "${compose[@]}" "${files[@]}" exec -T bus deno eval \
    "const r = await fetch('http://127.0.0.1:8080/ready'); Deno.exit(r.ok ? 0 : 1)" \
    >/dev/null 2>&1; then
    echo " ready"
    break
  fi
  echo -n "."
  sleep 2
done

cat <<EOT

  console      http://localhost:${http_port}/
  bus API      http://localhost:${http_port}/   (JSON index with Accept: application/json)
  gRPC         localhost:${JIMBOT_GRPC_HOST_PORT:-50051}
  Grafana      http://localhost:${GRAFANA_PORT:-3000}/   (dashboards in the JimBot folder)
  Prometheus   http://localhost:${PROMETHEUS_PORT:-9090}/

  logs:        ${compose[*]} logs -f bus
  stop:        deploy/quickstart.sh --down
EOT
# When the bus asks for a login, its one-time link is in its log.
"${compose[@]}" "${files[@]}" logs bus 2>/dev/null | grep -o '/login?token=[^" ]*' | tail -1 |
  sed "s#^#  login link   http://localhost:${http_port}#" || true
