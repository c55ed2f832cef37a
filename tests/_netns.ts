/**
 * Test kit: a test network of this machine's own, so a test can be a peer that is not on
 * loopback without sending anything beyond this machine: a network namespace joined to the
 * current one by a veth pair, 10.231.N.1 on this side and 10.231.N.2 inside. A bus started
 * inside (startBus's `netns` option) listens on .2 and sees this side's requests come from .1.
 * Needs root and iproute2; otherwise `missing` says why.
 * @module
 */
import { findTool, pathOf, type Tool } from "./_tools.ts";

export const IP = await findTool("ip", ["-V"], "apt-get install iproute2");

/** Why a test network cannot be made here, or null when it can. */
export const NETNS_MISSING: string | null = !IP.ok
  ? IP.reason
  : Deno.uid() !== 0
  ? "network namespaces need root"
  : null;

export interface TestNetwork extends AsyncDisposable {
  /** The namespace to start the bus in. */
  readonly netns: string;
  /** The address inside the namespace (the bus's). */
  readonly inside: string;
  /** This side's address: the peer the bus sees. */
  readonly outside: string;
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command(pathOf(IP as Tool), { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

export async function testNetwork(): Promise<TestNetwork> {
  const n = 1 + Math.floor(Math.random() * 250);
  const tag = crypto.randomUUID().slice(0, 8);
  const netns = `jimbot-${tag}`;
  const here = `jbh${tag}`;
  const there = `jbn${tag}`;
  const inside = `10.231.${n}.2`;
  const outside = `10.231.${n}.1`;
  await ip("netns", "add", netns);
  try {
    await ip("link", "add", here, "type", "veth", "peer", "name", there);
    await ip("link", "set", there, "netns", netns);
    await ip("addr", "add", `${outside}/30`, "dev", here);
    await ip("link", "set", here, "up");
    await ip("-n", netns, "addr", "add", `${inside}/30`, "dev", there);
    await ip("-n", netns, "link", "set", there, "up");
    await ip("-n", netns, "link", "set", "lo", "up");
  } catch (err) {
    await ip("netns", "delete", netns).catch(() => {});
    throw err;
  }
  return {
    netns,
    inside,
    outside,
    async [Symbol.asyncDispose]() {
      // Deleting the namespace deletes its veth end, and with it this side's.
      await ip("netns", "delete", netns).catch(() => {});
    },
  };
}
