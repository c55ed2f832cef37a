# JimBot Bus in a container: HTTP (REST, Connect, WebSocket, SSE, the console) on 8080, native gRPC
# on 50051, the Deno KV log and analytics in the /data volume. Configure with JIMBOT_* variables.
#   docker build -t jimbot-bus . && docker run -p 8080:8080 -p 50051:50051 -v jimbot-data:/data jimbot-bus
# A host folder works as /data too (-v "$PWD/data:/data"): the bus runs as the folder's owner.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
COPY deploy/docker-entrypoint.sh /usr/local/bin/jimbot-entrypoint.sh
# Fetch and type-check dependencies at build time (workers are loaded by URL, so name them), so
# the container starts offline. The bus runs as whoever owns /data (see the entrypoint): any user
# may read the code and use the cache (Deno writes compiled-code caches there).
RUN deno cache main.ts src/advisor/_engine_worker.ts \
  && chmod -R a+rX /app && chmod -R a+rwX "$DENO_DIR" \
  && mkdir -p /data && chown deno:deno /data
ENV JIMBOT_HOST=0.0.0.0 \
    JIMBOT_PORT=8080 \
    JIMBOT_GRPC_PORT=50051 \
    JIMBOT_DATA_DIR=/data \
    JIMBOT_SCRAPE_TOKEN_FILE=/run/jimbot/prometheus.token \
    DENO_NO_UPDATE_CHECK=1
VOLUME /data
EXPOSE 8080 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch(`http://127.0.0.1:${Deno.env.get('JIMBOT_PORT') ?? 8080}/ready`); Deno.exit(r.ok ? 0 : 1)"]
ENTRYPOINT ["/usr/local/bin/jimbot-entrypoint.sh"]
CMD ["deno", "run", "-A", "main.ts", "serve"]
