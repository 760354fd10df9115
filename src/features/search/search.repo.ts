import type { Queryable } from '../../ports/db.js';
import type { PublicUser } from '../../shared/api.js';
import { publicUser, USER_COLUMNS, type UserColumns } from '../profiles/public-user.js';
import { prefixPattern } from '../tags/tags.repo.js';

/** Whoever the searcher must not see (blocks, suspensions: features/blocks), as $3, when there is anyone. */
const HIDING = ' and id <> all($3::bigint[])';

const usersSql = (hiding: string) => `select ${USER_COLUMNS} from users where username like $1 and deleted_at is null${hiding} order by username limit $2`;
const displayNamesSql = (hiding: string) => `select ${USER_COLUMNS} from users
  where lower(display_name) like $1 and display_name is not null and deleted_at is null${hiding} order by lower(display_name) limit $2`;

/** $1 is the pattern, $2 the limit. Walks users_username_prefix_idx over the prefix's range only. */
export const SEARCH_USERS_SQL = usersSql('');

/** $1 is the lower-cased pattern, $2 the limit. Walks users_display_name_prefix_idx (migration 010) over the prefix's range only. */
export const SEARCH_DISPLAY_NAMES_SQL = displayNamesSql('');

const SEARCH_USERS_HIDING_SQL = usersSql(HIDING);
const SEARCH_DISPLAY_NAMES_HIDING_SQL = displayNamesSql(HIDING);

/**
 * Users whose username starts with `usernamePrefix` (null: it cannot be one), alphabetically, so an
 * exact match comes first; then those whose display name starts with `displayPrefix`, at most `limit`;
 * never the `hidden` ones.
 */
export async function searchUsers(
  q: Queryable,
  usernamePrefix: string | null,
  displayPrefix: string,
  limit: number,
  hidden: readonly string[] = [],
): Promise<PublicUser[]> {
  const hiding = hidden.length > 0;
  const args = (pattern: string) => (hiding ? [pattern, limit, hidden] : [pattern, limit]);
  const [byUsername, byDisplayName] = await Promise.all([
    usernamePrefix === null ? [] : q.query<UserColumns>(hiding ? SEARCH_USERS_HIDING_SQL : SEARCH_USERS_SQL, args(prefixPattern(usernamePrefix))),
    q.query<UserColumns>(hiding ? SEARCH_DISPLAY_NAMES_HIDING_SQL : SEARCH_DISPLAY_NAMES_SQL, args(prefixPattern(displayPrefix.toLowerCase()))),
  ]);
  const found = new Map<string, PublicUser>();
  for (const row of [...byUsername, ...byDisplayName]) if (!found.has(row.id)) found.set(row.id, publicUser(row));
  return [...found.values()].slice(0, limit);
}
