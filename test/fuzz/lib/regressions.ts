// Inputs the fuzzer found problems with, replayed word for word at the end of every run (whatever
// the seed), so a fixed bug stays fixed and a known one shows in every run until it is.
import type { WireRequest } from './http-gen.js';
import type { SocketAction } from './socket-gen.js';

const json = (method: string, path: string, body: unknown): WireRequest => ({
  method,
  path,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
  chunked: false,
});
const get = (path: string, headers: Record<string, string> = {}): WireRequest => ({ method: 'GET', path, headers, body: null, chunked: false });
const raw = (text: string): WireRequest => ({ method: 'RAW', path: '', headers: {}, body: null, chunked: false, raw: Buffer.from(text, 'latin1') });

export interface HttpRegression {
  /** Which coverage key it counts under. */
  op: string;
  name: string;
  wire: WireRequest;
}

export const HTTP_REGRESSIONS: HttpRegression[] = [
  // Fixed: a NUL in the city search reached PostgreSQL (500).
  { op: 'GET /api/cities', name: 'city search with a NUL', wire: get('/api/cities?q=%00') },
  { op: 'GET /api/cities', name: 'city search with a NUL inside', wire: get('/api/cities?q=pa%00ris&limit=5') },
  // Known (known.ts), replayed until fixed.
  { op: 'POST /api/auth/login', name: 'login with a NUL in the username', wire: json('POST', '/api/auth/login', { username: 'fz_ana\u0000', password: 'fuzz-password-1' }) },
  { op: 'POST /api/auth/login', name: 'login with a lone surrogate as the username', wire: json('POST', '/api/auth/login', { username: '\ud800', password: 'fuzz-password-1' }) },
  { op: 'GET /api/chat/rooms', name: 'room list with a NUL in the cursor', wire: get(`/api/chat/rooms?before=${Buffer.from(JSON.stringify('a\u0000')).toString('base64url')}`) },
  { op: 'GET /api/photos/{id}', name: 'a photo id with a broken percent-escape', wire: get('/api/photos/3%ED%A0%80') },
  { op: 'GET /api/users/{username}', name: 'a username over 100 characters', wire: get(`/api/users/${'%C3%A9'.repeat(101)}`) },
  { op: 'raw', name: 'HTTP/1.1 without Host', wire: raw('GET /api/me HTTP/1.1\r\n\r\n') },
  { op: 'raw', name: 'an unknown method', wire: raw('FOO /api/me HTTP/1.1\r\nHost: x\r\n\r\n') },
  { op: 'raw', name: 'a header over 16 KiB', wire: raw(`GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`) },
  { op: 'off-doc', name: 'plain HTTP to /socket.io/', wire: get('/socket.io/?EIO=4&transport=polling') },
  { op: 'off-doc', name: 'the app with a range past its end', wire: get('/', { range: 'bytes=999999-' }) },
];

/** Regressions that need a signed-in user and a ready photo (`{photo}` in the path is filled in). */
export const SIGNED_IN_REGRESSIONS: HttpRegression[] = [
  { op: 'POST /api/photos/{id}/comments', name: 'a comment with a NUL in clientId', wire: json('POST', '/api/photos/{photo}/comments', { text: 'regression', clientId: 'regression-nul\u0000' }) },
  { op: 'POST /api/photos/{id}/comments', name: 'a comment with a lone surrogate after a non-ASCII character', wire: json('POST', '/api/photos/{photo}/comments', { text: 'é\udfddabcdef', clientId: 'regression-surrogate-text' }) },
];

const chat = (name: string, payload: unknown): { name: string; action: SocketAction } => ({
  name,
  action: { kind: 'emit', who: { anon: false, slot: 1 }, event: 'chat:send', shape: 'payload+ack', payload, extra: null },
});

export const SOCKET_REGRESSIONS: { name: string; action: SocketAction }[] = [
  chat('chat:send with a NUL in clientId', { room: 'lobby', text: 'regression', clientId: 'regression-nul\u0000' }),
  chat('chat:send with a lone surrogate after a non-ASCII character', { room: 'lobby', text: 'é\udfddabcdef', clientId: 'regression-surrogate-text' }),
  chat('chat:send with a lone surrogate in clientId', { room: 'lobby', text: 'first of two', clientId: 'regression-id\ud800' }),
  chat('chat:send with another lone surrogate in the same clientId', { room: 'lobby', text: 'second of two', clientId: 'regression-id\udc00' }),
];
