// The properties every answer must have, from PRODUCT.md: the statuses the contract lists, the
// error envelope, and the acknowledgement shapes of the realtime API.
import type { WireResponse } from './http-send.js';

/** Statuses the contract gives errors (503 only when a dependency is down, which never holds here). */
export const ERROR_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422, 429]);

/** Error codes a realtime acknowledgement may carry. */
export const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND', 'RATE_LIMITED']);

export interface Violation {
  /** Short name of the property that failed, e.g. `no-5xx`. */
  property: string;
  detail: string;
  /** What makes two violations the same finding (for counting and known-finding matches). */
  signature: string;
}

const CODE = /^[A-Z][A-Z0-9_]*$/;

export function errorCodeOf(res: WireResponse): string | undefined {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

/** Checks one HTTP answer. `op` names the route for signatures. */
export function checkHttpAnswer(op: string, method: string, res: WireResponse): Violation[] {
  const out: Violation[] = [];
  const text = res.body.toString('utf8');
  const excerpt = JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
  const type = String(res.headers['content-type'] ?? '');
  const v = (property: string, detail: string, extra = '') => out.push({ property, detail, signature: `${property} ${op} ${res.status}${extra}` });

  if (res.status >= 500) v('no-5xx', `answered ${res.status}: ${excerpt}`, ` ${errorCodeOf(res) ?? ''}`);
  else if (res.status >= 400 && !ERROR_STATUSES.has(res.status)) v('contract-status', `answered ${res.status}, which the contract does not list: ${excerpt}`);
  else if (res.status < 200) v('contract-status', `answered ${res.status}`);

  if (res.status >= 400 && method !== 'HEAD') {
    let parsed: unknown;
    let parses = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      parses = false;
    }
    if (!type.includes('application/json')) v('error-envelope', `Content-Type ${JSON.stringify(type)} instead of JSON: ${excerpt}`, ` type`);
    else if (!parses) v('error-envelope', `body is not JSON: ${excerpt}`, ' json');
    if (parses) {
      const body = parsed as { error?: { code?: unknown; message?: unknown } } | null;
      const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
      const err = body?.error;
      if (keys.length !== 1 || keys[0] !== 'error' || !err || typeof err !== 'object') v('error-envelope', `not {"error": {...}}: ${excerpt}`, ' shape');
      else {
        if (typeof err.code !== 'string' || !CODE.test(err.code)) v('error-envelope', `error.code is ${JSON.stringify(err.code)}: ${excerpt}`, ' code');
        if (typeof err.message !== 'string' || err.message.length === 0) v('error-envelope', `error.message is ${JSON.stringify(err.message)}: ${excerpt}`, ' message');
      }
    }
  }
  if (res.status === 429) {
    const after = Number(res.headers['retry-after']);
    if (!Number.isInteger(after) || after < 1) v('retry-after', `429 without a Retry-After in whole seconds (${JSON.stringify(res.headers['retry-after'])})`);
  }
  if (res.status >= 200 && res.status < 300 && method !== 'HEAD' && type.includes('application/json') && res.body.length > 0) {
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (body && typeof body === 'object' && 'error' in body && Object.keys(body).length === 1) v('2xx-not-error', `a ${res.status} carrying an error body: ${excerpt}`);
    } catch {
      v('2xx-json', `a ${res.status} with a JSON type whose body does not parse: ${excerpt}`);
    }
  }
  return out;
}

/** Checks one realtime acknowledgement. */
export function checkAck(event: string, ack: unknown): Violation[] {
  const out: Violation[] = [];
  const shown = JSON.stringify(ack)?.slice(0, 300);
  const v = (property: string, detail: string, extra = '') => out.push({ property, detail, signature: `${property} ${event}${extra}` });
  if (!ack || typeof ack !== 'object' || Array.isArray(ack)) {
    v('ack-shape', `acknowledged with ${shown}`);
    return out;
  }
  const a = ack as { ok?: unknown; error?: { code?: unknown; message?: unknown }; recovered?: unknown; missed?: unknown; message?: unknown };
  if (a.ok === true) {
    if (event === 'subscribe' && (typeof a.recovered !== 'boolean' || !Array.isArray(a.missed))) v('ack-shape', `subscribe ok without recovered/missed: ${shown}`, ' subscribe-ok');
    if (event === 'chat:send') {
      const m = a.message as { id?: unknown; room?: unknown; text?: unknown; kind?: unknown; user?: { id?: unknown; username?: unknown }; createdAt?: unknown } | undefined;
      const good =
        m && typeof m.id === 'string' && typeof m.room === 'string' && typeof m.text === 'string' && (m.kind === 'text' || m.kind === 'action') &&
        typeof m.user?.id === 'string' && typeof m.user.username === 'string' && typeof m.createdAt === 'string';
      if (!good) v('ack-shape', `chat:send ok without a message: ${shown}`, ' chat-ok');
    }
  } else if (a.ok === false) {
    const code = a.error?.code;
    if (typeof code !== 'string') v('ack-shape', `error without a code: ${shown}`, ' no-code');
    else if (!SOCKET_ERROR_CODES.has(code)) v('ack-code', `error code ${code} is not in the contract: ${shown}`, ` ${code}`);
    if (typeof a.error?.message !== 'string' || a.error.message.length === 0) v('ack-shape', `error without a message: ${shown}`, ' no-message');
  } else v('ack-shape', `neither ok: true nor ok: false: ${shown}`);
  return out;
}
