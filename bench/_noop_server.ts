// The baseline of bench/ingest.ts: a do-nothing Deno.serve JSON handler that reads the body and
// answers a fixed JSON object. Logs the same "listening" line as the bus.
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => {
    Deno.stderr.writeSync(
      new TextEncoder().encode(JSON.stringify({ msg: "listening", port }) + "\n"),
    );
  },
}, async (req) => {
  await req.arrayBuffer();
  return Response.json({ status: "ok", accepted: 1, duplicates: 0, offsets: [0, 0] });
});
