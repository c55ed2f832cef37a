/**
 * Test kit: a self-signed certificate for 127.0.0.1 and localhost, made by openssl, as
 * `cert.pem` and `key.pem` in `dir`. Tests that need it skip with OPENSSL's reason without it.
 * @module
 */
import assert from "node:assert/strict";
import { findTool, pathOf } from "./_tools.ts";

export const OPENSSL = await findTool("openssl", ["version"], "apt-get install openssl");

export async function selfSignedCert(dir: string): Promise<void> {
  const made = await new Deno.Command(pathOf(OPENSSL), {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
}
