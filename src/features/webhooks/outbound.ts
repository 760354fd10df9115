// Outgoing HTTP for webhooks, which must never reach what the operator has not allowed: loopback,
// private, link-local (cloud metadata lives at 169.254.169.254), unique-local, CGNAT, multicast and
// unspecified addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true. The check runs on the
// addresses DNS returns, inside the connection's own lookup, so the address checked is the address
// connected to (no DNS rebinding between a check and the connect), and again on every redirect.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address is one webhooks may not reach (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class ForbiddenTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenTarget';
  }
}

/** Which addresses may be reached: everything when private ones are allowed, else the public ones. */
export type AddressRule = (address: string) => boolean;

export const addressRule = (allowPrivate: boolean): AddressRule => (allowPrivate ? () => true : (address) => !isPrivateAddress(address));

function guardedLookup(allowed: AddressRule): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const ok = addresses.filter((a) => allowed(a.address));
      if (ok.length === 0) return callback(new ForbiddenTarget(`${hostname} resolves only to addresses webhooks may not reach`), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

export interface OutboundResponse {
  status: number;
  /** At most the first 1 KiB, for the delivery log. */
  body: string;
}

const MAX_REDIRECTS = 3;

/** POSTs `body`; follows up to 3 redirects (each checked like the first), within `timeoutMs` in all. */
export async function postGuarded(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { allowed: AddressRule; timeoutMs: number },
): Promise<OutboundResponse> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    checkUrl(target, opts.allowed);
    const res = await send(target, body, headers, opts.allowed, deadline);
    if (res.location && [301, 302, 303, 307, 308].includes(res.status)) {
      if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      target = new URL(res.location, target);
      continue;
    }
    return { status: res.status, body: res.body };
  }
}

/** The URL's own checks: http(s) only, no credentials, and a literal address must be allowed. */
export function checkUrl(url: URL, allowed: AddressRule): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForbiddenTarget('webhook URLs are http or https');
  if (url.username || url.password) throw new ForbiddenTarget('webhook URLs carry no credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is connected to without a lookup: it is judged here.
  if (isIP(host) !== 0 && !allowed(host)) throw new ForbiddenTarget(`${host} is an address webhooks may not reach`);
  if ((host === 'localhost' || host.endsWith('.localhost')) && !allowed('127.0.0.1')) throw new ForbiddenTarget('localhost is not reachable by webhooks');
}

function send(
  url: URL,
  body: string,
  headers: Record<string, string>,
  allowed: AddressRule,
  signal: AbortSignal,
): Promise<{ status: number; body: string; location?: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowed),
        signal,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 1024) text += chunk.slice(0, 1024 - text.length);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
