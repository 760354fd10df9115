// Sends a built request over real HTTP (node:http, or a raw TCP socket for malformed requests) and
// reads the whole answer. No fetch: fetch would normalize away half of what the fuzzer generates.
import http from 'node:http';
import net from 'node:net';
import type { WireRequest } from './http-gen.js';

export interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type SendResult =
  | { kind: 'answered'; res: WireResponse; ms: number }
  /** The client cut the request off on purpose (abort cases), or the server closed a raw connection without answering. */
  | { kind: 'no-answer'; reason: string }
  /** The request could not be made at all (a generator mistake, not a server finding). */
  | { kind: 'unsendable'; reason: string }
  | { kind: 'failed'; reason: string };

export interface Target {
  host: string;
  port: number;
  agent: http.Agent;
}

export function makeTarget(port: number): Target {
  return { host: '127.0.0.1', port, agent: new http.Agent({ keepAlive: true, maxSockets: 8 }) };
}

/**
 * Sends a request. A keep-alive connection the server closed (after refusing an earlier request on
 * it) can fail the next request before the server saw it: such a request is sent again once, on a
 * fresh connection, so that only the server's own behaviour is judged.
 */
export async function send(t: Target, w: WireRequest, timeoutMs = 20_000): Promise<SendResult> {
  if (w.raw) return sendRaw(t, w.raw, timeoutMs);
  const first = await sendOnce(t, w, timeoutMs, t.agent);
  if (first.kind === 'failed' && w.abortAt === undefined && /ECONNRESET|EPIPE|socket hang up/.test(first.reason)) return sendOnce(t, w, timeoutMs, false);
  return first;
}

function sendOnce(t: Target, w: WireRequest, timeoutMs: number, agent: http.Agent | false): Promise<SendResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const aborting = w.abortAt !== undefined;
    const headers: Record<string, string | number> = { ...w.headers };
    if (w.body && !w.chunked) headers['content-length'] = w.body.length;
    // Explicit: node's client sends a GET, DELETE or OPTIONS body without any framing otherwise.
    if (w.body && w.chunked) headers['transfer-encoding'] = 'chunked';
    let req: http.ClientRequest;
    try {
      req = http.request({ host: t.host, port: t.port, method: w.method, path: w.path, headers, agent: aborting ? false : agent });
    } catch (err) {
      done({ kind: 'unsendable', reason: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      req.destroy();
      done({ kind: 'failed', reason: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ kind: 'answered', res: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }, ms: Date.now() - started }));
      res.on('error', (err) => done(aborting ? { kind: 'no-answer', reason: err.message } : { kind: 'failed', reason: `response stream: ${err.message}` }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (aborting) done({ kind: 'no-answer', reason: 'aborted by the client' });
      else done({ kind: 'failed', reason: `${err.code ?? ''} ${err.message}`.trim() });
    });
    if (aborting) {
      const body = w.body ?? Buffer.alloc(64, 0x61);
      if (!w.body) req.setHeader('content-length', body.length);
      req.write(body.subarray(0, Math.floor(body.length * w.abortAt!)));
      setTimeout(() => {
        req.destroy();
        done({ kind: 'no-answer', reason: 'aborted by the client' });
      }, 30);
      return;
    }
    if (w.body && w.body.length > 0) {
      // Chunked: in a few pieces, so the server sees more than one chunk.
      if (w.chunked) for (let i = 0; i < w.body.length; i += 4096) req.write(w.body.subarray(i, i + 4096));
      else req.write(w.body);
    }
    req.end();
  });
}

/** Writes raw bytes and parses the first answer, if the server gives one. */
function sendRaw(t: Target, raw: Buffer, timeoutMs: number): Promise<SendResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = net.connect(t.port, t.host);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      const parsed = parseResponse(data);
      resolve(parsed ? { kind: 'answered', res: parsed, ms: Date.now() - started } : { kind: 'no-answer', reason: data.length ? `unparseable answer ${JSON.stringify(data.subarray(0, 80).toString('latin1'))}` : 'closed without an answer' });
    };
    // Keep-alive connections stay open after the answer: stop reading a little after it arrived.
    let idle: NodeJS.Timeout | undefined;
    const timer = setTimeout(finish, Math.min(timeoutMs, 5_000));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(idle);
      idle = setTimeout(finish, 150);
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(raw);
  });
}

/** The first HTTP/1.x response in a byte string. */
export function parseResponse(data: Buffer): WireResponse | null {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: http.IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(headEnd + 4);
  const length = Number(headers['content-length']);
  if (Number.isInteger(length) && length >= 0) body = body.subarray(0, length);
  else if (String(headers['transfer-encoding'] ?? '').includes('chunked')) body = dechunk(body);
  return { status: Number(m[1]), headers, body };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
