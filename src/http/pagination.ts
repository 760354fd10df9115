// Cursor pagination shared by every list: `?limit=` (1..100, default 20) and `?before=<cursor>`.
// Cursors are opaque to clients: base64url JSON of the last item's sort key.
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../errors.js';
import { LIMITS, type Page } from '../shared/api.js';

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '`limit` is a number from 1 to 100.' })),
  before: Type.Optional(Type.String({ maxLength: 500, description: '`before` must be a cursor from a previous page.' })),
});

export interface PageParams<K> {
  limit: number;
  before: K | undefined;
}

export function pageParams<K>(
  query: { limit?: string; before?: string },
  parseKey: (raw: unknown) => K | undefined,
  defaultLimit = 20,
): PageParams<K> {
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageMax) {
    throw errors.validation(`\`limit\` is a number from 1 to ${LIMITS.pageMax}.`);
  }
  if (query.before === undefined || query.before === '') return { limit, before: undefined };
  const key = parseKey(decodeCursor(query.before));
  if (key === undefined) throw errors.validation('`before` must be a cursor from a previous page.');
  return { limit, before: key };
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(raw: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says that there is a next page. */
export function toPage<T>(rows: T[], limit: number, keyOf: (last: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** A cursor key that is one bigint id. */
export function idKey(raw: unknown): string | undefined {
  return typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' && /^\d{1,18}$/.test((raw as { id: string }).id)
    ? (raw as { id: string }).id
    : undefined;
}
