// What the accounts feature makes of a client's address: the bucket its rate limits count in, and
// whether it is this machine (the only place an instance's first admin may register from).
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * The address a per-client limit counts: an IPv4 address as it is (an IPv4-mapped IPv6 one as
 * IPv4), an IPv6 address by its /64, because one subscriber usually holds a whole /64 and could
 * otherwise take a fresh address for every request.
 */
export function addressBucket(ip: string): string {
  const family = isIP(ip);
  if (family !== 6) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

export function isLoopback(ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && LOOPBACK.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** Headers by which a proxy names the client it forwards for. */
export interface ForwardingHeaders {
  'x-forwarded-for'?: string | string[] | undefined;
  'x-real-ip'?: string | string[] | undefined;
  forwarded?: string | string[] | undefined;
}

/**
 * True when a request comes from this machine: its address is loopback, and no proxy says it
 * forwards it for someone else. The second half matters when a reverse proxy on the same host is
 * not declared in TRUST_PROXY: then every visitor's request arrives from 127.0.0.1, and only the
 * proxy's headers tell them apart from the person at the machine.
 */
export function isLocalRequest(ip: string, headers: ForwardingHeaders): boolean {
  if (!isLoopback(ip)) return false;
  // RFC 7239 quotes and annotates its addresses; nothing Strobe ships sends it, so any is foreign.
  if (headers.forwarded !== undefined) return false;
  for (const name of ['x-forwarded-for', 'x-real-ip'] as const) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const addresses = (Array.isArray(raw) ? raw.join(',') : raw).split(',').map((s) => s.trim());
    if (!addresses.every(isLoopback)) return false;
  }
  return true;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id ignored), or null. */
function ipv6Groups(ip: string): number[] | null {
  const zone = ip.indexOf('%');
  let text = (zone === -1 ? ip : ip.slice(0, zone)).toLowerCase();
  // A dotted IPv4 tail (::ffff:1.2.3.4) is two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIP(tail) === 4) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<number>(Math.max(0, fill)).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
