// Suspensions on the users row (migration 011): suspended_until ('infinity' is indefinitely; null or
// a past time is not suspended) and suspended_reason.
import type { Queryable } from '../../ports/db.js';
import type { PublicUser } from '../../shared/api.js';
import { publicUser, USER_COLUMNS, type UserColumns } from '../profiles/public-user.js';

export interface SuspendableUser {
  user: PublicUser;
  username: string;
  isAdmin: boolean;
  isModerator: boolean;
  suspended: boolean;
}

/** A live account by username, with its roles and whether it is suspended now; `lock` holds its row. */
export async function findSuspendable(q: Queryable, username: string, lock = false): Promise<SuspendableUser | null> {
  const [row] = await q.query<UserColumns & { username: string; is_admin: boolean; is_moderator: boolean; suspended: boolean }>(
    `select ${USER_COLUMNS}, is_admin, is_moderator, coalesce(suspended_until > now(), false) as suspended
     from users where username = $1 and deleted_at is null${lock ? ' for update' : ''}`,
    [username],
  );
  if (!row) return null;
  return { user: publicUser(row), username: row.username, isAdmin: row.is_admin, isModerator: row.is_moderator, suspended: row.suspended };
}

/** `until`: an ISO time, or 'infinity'. */
export async function setSuspension(q: Queryable, userId: string, until: string, reason: string): Promise<void> {
  await q.query(`update users set suspended_until = $2::timestamptz, suspended_reason = $3 where id = $1`, [userId, until, reason]);
}

/** Ends a suspension; true when one was running. A past one is cleared as well, silently. */
export async function liftSuspension(q: Queryable, userId: string): Promise<boolean> {
  const rows = await q.query<{ was: boolean }>(
    `update users u set suspended_until = null, suspended_reason = null
     from (select id, suspended_until > now() as was from users where id = $1) old
     where u.id = old.id and u.suspended_until is not null returning old.was`,
    [userId],
  );
  return rows[0]?.was === true;
}
