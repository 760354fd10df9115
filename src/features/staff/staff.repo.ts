// Who holds a role (users.is_admin, users.is_moderator; ADMIN_USERS beside them), and the audit
// row every role change leaves in moderation_actions (migration 011).
import type { Queryable } from '../../ports/db.js';
import type { PublicUser } from '../../shared/api.js';
import type { Role, StaffMember } from '../../shared/community.js';
import { publicUser, USER_COLUMNS, type UserColumns } from '../profiles/public-user.js';

/** Staff are few; the list is bounded all the same. */
export const STAFF_MAX = 500;

const ROLE_LOCK = 0x5757_0ad2;

interface RoleRow extends UserColumns {
  username: string;
  is_admin: boolean;
  is_moderator: boolean;
}

/** The role a user's flags give them: admin wins (admins can do whatever moderators can). */
export function roleOf(row: { username: string; is_admin: boolean; is_moderator: boolean }, adminUsers: ReadonlySet<string>): Role {
  if (row.is_admin || adminUsers.has(row.username)) return 'admin';
  return row.is_moderator ? 'moderator' : 'member';
}

/** The flags that make a role. */
export function flagsOf(role: Role): { is_admin: boolean; is_moderator: boolean } {
  return { is_admin: role === 'admin', is_moderator: role === 'moderator' };
}

/** Admins first, then moderators, each by username. */
export async function listStaff(q: Queryable, adminUsers: ReadonlySet<string>): Promise<StaffMember[]> {
  const rows = await q.query<RoleRow>(
    `select ${USER_COLUMNS}, is_admin, is_moderator from users
     where deleted_at is null and (is_admin or is_moderator or username = any($1::text[]))
     order by (is_admin or username = any($1::text[])) desc, username
     limit $2`,
    [[...adminUsers], STAFF_MAX],
  );
  return rows.map((r) => ({
    user: publicUser(r),
    role: roleOf(r, adminUsers) as StaffMember['role'],
    byConfig: adminUsers.has(r.username),
  }));
}

export async function findRoleHolder(q: Queryable, username: string): Promise<(RoleRow & { user: PublicUser }) | null> {
  const [row] = await q.query<RoleRow>(`select ${USER_COLUMNS}, is_admin, is_moderator from users where username = $1 and deleted_at is null`, [username]);
  return row ? { ...row, user: publicUser(row) } : null;
}

/** Serializes role changes, so two admins demoting each other at once cannot leave none. */
export async function lockRoles(q: Queryable): Promise<void> {
  await q.query('select pg_advisory_xact_lock($1)', [ROLE_LOCK]);
}

/** Sets the flags of a role; true when anything changed. */
export async function setRoleFlags(q: Queryable, userId: string, flags: { is_admin: boolean; is_moderator: boolean }): Promise<boolean> {
  const rows = await q.query(
    `update users set is_admin = $2, is_moderator = $3
     where id = $1 and deleted_at is null and (is_admin, is_moderator) is distinct from ($2, $3) returning id`,
    [userId, flags.is_admin, flags.is_moderator],
  );
  return rows.length > 0;
}

/** The audit log's row for a role change: `reason` is the role the user holds now. `actorId` null: the `strobe admin` command. */
export async function recordRoleChange(q: Queryable, actorId: string | null, userId: string, role: Role): Promise<void> {
  await q.query(
    `insert into moderation_actions (actor_id, action, target_type, target_id, target_user_id, reason)
     values ($1, 'role', 'user', $2, $2, $3)`,
    [actorId, userId, role],
  );
}
