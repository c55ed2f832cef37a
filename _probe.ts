import { NatsCluster } from "./tests/_nats_server.ts";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
const size = Number(Deno.args[0] ?? 1) as 1 | 3;
let t = performance.now();
await using c = await NatsCluster.start(size);
console.log("ready ms", performance.now() - t);
const nc = await connect({ servers: c.urls });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: "T", subjects: ["t.>"], duplicate_window: 120e9, num_replicas: size, allow_direct: true });
const js = jetstream(nc);
const a = await js.publish("t.x", "a", { msgID: "a" });
const b = await js.publish("t.y", "b", { msgID: "b" });
const a2 = await js.publish("t.x", "a2", { msgID: "a" });
console.log(a.seq, b.seq, a2.seq, a2.duplicate);
try { await js.publish("t.x", "z", { expect: { lastSequence: 1 } }); } catch (e) { console.log("expect err", String(e)); }
const info = await jsm.streams.info("T", { subjects_filter: ">" });
console.log(info.state.subjects, info.state.first_seq, info.state.last_seq);
const m = await jsm.streams.getMessage("T", { last_by_subj: "t.x" });
console.log(m?.seq, m?.time);
const oc = await js.consumers.get("T", { opt_start_seq: 2 });
const it = await oc.fetch({ max_messages: 10, expires: 1000 });
for await (const x of it) { console.log("got", x.seq, x.subject, x.info.pending); if (x.info.pending === 0) break; }
await oc.delete?.();
const kvm = new Kvm(nc);
const kv = await kvm.create("g", { replicas: size, history: 1 });
const r1 = await kv.create("k", "1");
try { await kv.create("k", "2"); } catch (e) { console.log("create again", String(e)); }
const r2 = await kv.update("k", "3", r1);
try { await kv.update("k", "4", r1); } catch (e) { console.log("stale", String(e)); }
console.log(r1, r2, (await kv.get("k"))?.string());
const keys = await kv.keys("k"); for await (const k of keys) console.log("key", k);
await nc.close();
