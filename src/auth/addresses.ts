/**
 * Address facts the guard needs: is a peer loopback, is it inside an allow-list, is a Host header
 * an IP literal (which a DNS-rebinding page cannot use). node:net does the parsing.
 * @module
 */
import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

function unbracket(addr: string): string {
  return addr.replace(/^\[(.*)\]$/, "$1");
}

/** A set of networks (`10.0.2.0/24`, `192.168.56.7`, `fd00::/8`); IPv4-mapped peers match. */
export class AddressList {
  readonly #list = new BlockList();
  readonly entries: readonly string[];

  /** Throws naming the first entry that is not an address or network. */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const [addr, len] = entry.split("/");
      const family = isIP(addr);
      const max = family === 4 ? 32 : 128;
      if (family === 0 || (len !== undefined && !(/^\d+$/.test(len) && Number(len) <= max))) {
        throw new Error(`"${entry}" is not an IP address or network such as 10.0.2.0/24`);
      }
      const type = family === 4 ? "ipv4" : "ipv6";
      this.#list.addSubnet(addr, len === undefined ? max : Number(len), type);
    }
  }

  has(addr: string): boolean {
    return contains(this.#list, addr);
  }
}

function contains(list: BlockList, addr: string): boolean {
  const a = unbracket(addr);
  const family = isIP(a);
  return family !== 0 && list.check(a, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Remembers answers for the last few thousand strings: the guard asks about every request's
 * peer and Host, and node:net's parsing cost a few percent of the single-event ingest rate.
 */
function memo(fn: (s: string) => boolean): (s: string) => boolean {
  const known = new Map<string, boolean>();
  return (s) => {
    let answer = known.get(s);
    if (answer === undefined) {
      if (known.size >= 4096) known.clear();
      known.set(s, answer = fn(s));
    }
    return answer;
  };
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export const isLoopbackAddress: (addr: string) => boolean = memo((addr) =>
  contains(LOOPBACK, addr)
);

/** A bind address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || isLoopbackAddress(host);
}

/** True for an IP literal (with or without brackets). */
export const isIpLiteral: (host: string) => boolean = memo((host) => isIP(unbracket(host)) !== 0);
