import type { Db, Queryable } from '../../ports/db.js';

/** A live account: deleted ones (tombstones, see migration 008) are never returned as users. */
export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: boolean;
}

const FIRST_ADMIN_LOCK = 0x5757_0ad1;

export interface InsertUserOptions {
  /**
   * Whether this account becomes the admin if the instance has none yet: only someone at the
   * machine itself may take that seat, never whoever reaches a fresh public instance first.
   */
  firstAdmin: boolean;
  /** ADMIN_USERS: an existing account named there already is an admin. */
  adminUsers: ReadonlySet<string>;
}

/** Inserts a user, an admin when `firstAdmin` and there is none yet. Null when the username is taken. */
export async function insertUser(db: Db, username: string, passwordHash: string, opts: InsertUserOptions): Promise<UserRow | null> {
  return db.tx(async (q) => {
    // Serializes registrations just long enough that two "first" users cannot both become admin.
    if (opts.firstAdmin) await q.query('select pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
    const [row] = await q.query<UserRow>(
      `insert into users (username, password_hash, is_admin)
       select $1, $2, $3 and not exists (select 1 from users where is_admin or username = any($4::text[]))
       -- A deleted account's username is held for a while (account deletion, migration 008).
       where not exists (select 1 from username_holds where username = $1 and until > now())
       on conflict (username) do nothing
       returning id, username, password_hash, is_admin`,
      [username, passwordHash, opts.firstAdmin, [...opts.adminUsers]],
    );
    return row ?? null;
  });
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
    'select id, username, password_hash, is_admin from users where username = $1 and deleted_at is null',
    [username],
  );
  return row ?? null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await q.query<UserRow>('select id, username, password_hash, is_admin from users where id = $1 and deleted_at is null', [id]);
  return row ?? null;
}
