// Cross-site request refusal, shared by HTTP writes and the WebSocket handshake. Browsers always send
// Origin on cross-site writes and WebSocket handshakes; a request without one is not cross-site
// (curl, bots, server-to-server), whatever its Sec-Fetch-* headers claim.
import type { IncomingHttpHeaders } from 'node:http';

export function isCrossSite(headers: IncomingHttpHeaders, publicUrl: URL | undefined): boolean {
  const origin = headers.origin;
  if (origin === undefined) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true; // includes the opaque origin "null" of sandboxed frames
  }
  if (publicUrl && parsed.origin === publicUrl.origin) return false;
  return parsed.host !== normalHost(parsed.protocol, headers.host);
}

/** The Host header as URL would spell it for that scheme: lowercase, default port dropped. */
function normalHost(protocol: string, host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}
