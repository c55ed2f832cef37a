// Encode/decode throughput of one full GAME_STATE stored envelope (the 52-card fixture), JSON vs
// protobuf, in TypeScript: `deno bench -A bench/proto_bench.ts`. Pure: no server.

import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { EnvelopeSchema, envelopeToMessage, messageToEnvelope } from "../src/proto/mod.ts";
import { readFixture, storedEnvelopes } from "../tests/proto/_fixtures.ts";

const [envelope] = storedEnvelopes(JSON.parse(readFixture("game_state_initial.json")));
const text = JSON.stringify(envelope);
const message = envelopeToMessage(envelope);
const bytes = toBinary(EnvelopeSchema, message);

Deno.bench({ group: "encode", name: "JSON.stringify", baseline: true }, () => {
  JSON.stringify(envelope);
});
Deno.bench({ group: "encode", name: "protobuf: toBinary (typed message)" }, () => {
  toBinary(EnvelopeSchema, message);
});
Deno.bench({ group: "encode", name: "protobuf: envelope JSON → message → bytes" }, () => {
  toBinary(EnvelopeSchema, envelopeToMessage(envelope));
});
Deno.bench({ group: "decode", name: "JSON.parse", baseline: true }, () => {
  JSON.parse(text);
});
Deno.bench({ group: "decode", name: "protobuf: fromBinary (typed message)" }, () => {
  fromBinary(EnvelopeSchema, bytes);
});
Deno.bench({ group: "decode", name: "protobuf: bytes → message → envelope JSON" }, () => {
  messageToEnvelope(fromBinary(EnvelopeSchema, bytes));
});
Deno.bench(
  { group: "size", name: `sizes: JSON ${text.length} B, protobuf ${bytes.length} B` },
  () => {},
);
