import type { Queryable } from '../../ports/db.js';
import { USER_COLUMNS, type UserColumns } from '../profiles/public-user.js';

/** A live account: deleted ones (tombstones, see migration 008) are never returned as users. */
export interface UserRow extends UserColumns {
  username: string;
  password_hash: string;
  is_admin: boolean;
  is_moderator: boolean;
  /** Suspended now (users.suspended_until is in the future; migration 011), by the database's clock. */
  suspended: boolean;
  /**
   * When the suspension ends: null when it is indefinite ('infinity', which the two drivers read
   * differently) or when there is none. Read it together with `suspended`.
   */
  suspended_until: Date | null;
}

/** What a UserRow is read with: still one row of one table, so a session lookup stays one query. */
const USER_ROW = `${USER_COLUMNS}, password_hash, is_admin, is_moderator,
  coalesce(suspended_until > now(), false) as suspended, nullif(suspended_until, 'infinity') as suspended_until`;

const FIRST_ADMIN_LOCK = 0x5757_0ad1;

/**
 * Whether this registration takes the instance's first admin seat: it comes from the machine itself
 * and there is no admin yet. Only someone at the machine may take it, never whoever reaches a fresh
 * public instance first. Concurrent "first" registrations wait on a lock, so only one gets the seat.
 * Call it inside the registration's transaction.
 */
export async function takesAdminSeat(q: Queryable, local: boolean, adminUsers: ReadonlySet<string>): Promise<boolean> {
  // Once there is an admin (nearly always), nobody waits on the lock.
  if (!local || (await hasAdmin(q, adminUsers))) return false;
  await q.query('select pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
  return !(await hasAdmin(q, adminUsers));
}

export interface NewUser {
  username: string;
  passwordHash: string;
  /** From takesAdminSeat. */
  admin: boolean;
  /** The invite it registered with (REGISTRATION=invite). */
  inviteId: string | null;
}

/** Inserts a user. Null when the username is taken (or held after a deletion). */
export async function insertUser(q: Queryable, user: NewUser): Promise<UserRow | null> {
  const [row] = await q.query<UserRow>(
    `insert into users (username, password_hash, is_admin, invite_id)
     select $1, $2, $3, $4
     -- A deleted account's username is held for a while (account deletion, migration 008).
     where not exists (select 1 from username_holds where username = $1 and until > now())
     on conflict (username) do nothing
     returning ${USER_ROW}`,
    [user.username, user.passwordHash, user.admin, user.inviteId],
  );
  return row ?? null;
}

/** Whether any account is an admin, in the database or by ADMIN_USERS. */
export async function hasAdmin(q: Queryable, adminUsers: ReadonlySet<string>): Promise<boolean> {
  const [row] = await q.query<{ any: boolean }>(
    'select exists (select 1 from users where is_admin or username = any($1::text[])) as any',
    [[...adminUsers]],
  );
  return row?.any === true;
}

export async function findUserByUsername(q: Queryable, username: string): Promise<UserRow | null> {
  const [row] = await q.query<UserRow>(
    `select ${USER_ROW} from users where username = $1 and deleted_at is null`,
    [username],
  );
  return row ?? null;
}

/** Live accounts by id, for a batch of ids (already checked to be ids); the missing are left out. */
export async function findUsersByIds(q: Queryable, ids: readonly string[]): Promise<Map<string, UserRow>> {
  const rows = await q.query<UserRow & { id: string }>(`select ${USER_ROW} from users where id = any($1::bigint[]) and deleted_at is null`, [ids], {
    prepared: 'strobe_users_by_ids',
  });
  return new Map(rows.map((r) => [r.id, r]));
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await q.query<UserRow>(`select ${USER_ROW} from users where id = $1 and deleted_at is null`, [id]);
  return row ?? null;
}
