// The logger writes what a reader needs of an error: name, message, the cause chain, and at
// error level the stack (warnings keep to the message and cause).
import assert from "node:assert/strict";
import { createLogger } from "../src/logger.ts";

/** A written error as JSON: name, message, maybe stack, maybe cause. */
interface Written {
  name?: string;
  message?: string;
  stack?: string;
  cause?: Written;
  code?: number;
}

function capture() {
  const lines: Record<string, Written>[] = [];
  return { logger: createLogger("debug", (l) => lines.push(JSON.parse(l))), lines };
}

Deno.test("error records carry the stack and every cause; warnings the causes only", () => {
  const { logger, lines } = capture();
  const root = new RangeError("disk full");
  const err = new Error("commit failed", { cause: new Error("write failed", { cause: root }) });
  logger.error("event log background work failed", { error: err, attempt: 2 });
  logger.warn("retrying", { error: err });
  const [error, warn] = lines;
  assert.equal((lines[0] as unknown as { attempt: number }).attempt, 2);
  assert.equal(error.error.message, "commit failed");
  assert.match(error.error.stack ?? "", /commit failed\n\s+at /);
  assert.equal(error.error.cause?.message, "write failed");
  assert.equal(error.error.cause?.cause?.name, "RangeError");
  assert.match(error.error.cause?.cause?.stack ?? "", /disk full/);
  assert.equal(warn.error.stack, undefined);
  assert.equal(warn.error.cause?.cause?.message, "disk full");
});

Deno.test("a cause that is not an Error is written as it is; a cause loop is cut", () => {
  const { logger, lines } = capture();
  const loop = new Error("a");
  (loop as { cause?: unknown }).cause = loop;
  logger.error("x", { error: new Error("b", { cause: { code: 7 } }), other: loop });
  const [line] = lines;
  assert.deepEqual(line.error.cause, { code: 7 });
  let depth = 0;
  for (let c: Written | undefined = line.other; c?.cause; c = c.cause) depth++;
  assert.ok(depth <= 5, `cause chain written ${depth} deep`);
});
