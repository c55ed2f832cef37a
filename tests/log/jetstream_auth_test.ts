// The NATS credentials and TLS options: a server that wants a user, a password and TLS is
// reachable with them (the CA from --nats-tls-ca), and without the password says who refused.
import assert from "node:assert/strict";
import { openJetStreamStorage } from "../../src/log/jetstream/mod.ts";
import { NATS_MISSING, NatsCluster } from "../_nats_server.ts";
import { OPENSSL, selfSignedCert } from "../_tls_cert.ts";
import { anyMissing } from "../_tools.ts";
import { event, logOptions } from "./_storage_cases.ts";

const skip = NATS_MISSING
  ? ` (skipped: ${NATS_MISSING})`
  : OPENSSL.ok
  ? ""
  : ` (skipped: ${OPENSSL.reason})`;

Deno.test({
  name: `jetstream: user, password and TLS options reach a server that requires them${skip}`,
  ignore: NATS_MISSING !== null || anyMissing(OPENSSL),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "jimbot-nats-tls-" });
    try {
      await selfSignedCert(dir);
      await using nats = await NatsCluster.start(1, {
        config: `authorization { user: jim, password: s3cret }\n` +
          `tls { cert_file: "${dir}/cert.pem", key_file: "${dir}/key.pem" }`,
        connect: { user: "jim", pass: "s3cret", tls: { caFile: `${dir}/cert.pem` } },
      });
      const reach = {
        servers: nats.urls,
        namespace: "auth",
        replicas: 1,
        tlsCaFile: `${dir}/cert.pem`,
      };
      {
        await using s = await openJetStreamStorage({
          ...logOptions(),
          nats: { ...reach, user: "jim", pass: "s3cret" },
        });
        const r = await s.log.append({ events: [event("tls")], deadLetters: [] });
        assert.deepEqual(r.outcomes, [{ offset: 0, duplicate: false }]);
      }
      await assert.rejects(
        openJetStreamStorage({ ...logOptions(), nats: { ...reach, user: "jim", pass: "wrong" } }),
        /Cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: .*(auth|Authorization)/i,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
