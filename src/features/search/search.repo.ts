import type { Queryable } from '../../ports/db.js';
import type { PublicUser } from '../../shared/api.js';
import { prefixPattern } from '../tags/tags.repo.js';

/** $1 is the pattern, $2 the limit. Walks users_username_prefix_idx over the prefix's range only. */
export const SEARCH_USERS_SQL = `select id, username from users where username like $1 and deleted_at is null order by username limit $2`;

/** Users whose username starts with `prefix`, alphabetically (so an exact match comes first). */
export async function searchUsers(q: Queryable, prefix: string, limit: number): Promise<PublicUser[]> {
  const rows = await q.query<{ id: string; username: string }>(SEARCH_USERS_SQL, [prefixPattern(prefix), limit]);
  return rows.map((r) => ({ id: r.id, username: r.username }));
}
