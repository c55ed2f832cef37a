# JimBot Bus in a container: the bus on port 8080, its Deno KV log in the /data volume.
#   docker build -t jimbot-bus . && docker run -p 8080:8080 -v jimbot-data:/data jimbot-bus
FROM denoland/deno:2.9.6
WORKDIR /app
RUN mkdir -p /data && chown deno:deno /data
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
USER deno
# Fetch and type-check dependencies at build time, so the container starts offline.
RUN deno cache main.ts
VOLUME /data
EXPOSE 8080
CMD ["run", "-A", "main.ts", "serve", "--host=0.0.0.0", "--port=8080", "--data-dir=/data"]
