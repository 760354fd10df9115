import type { Db, Queryable } from '../../ports/db.js';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: boolean;
}

const FIRST_ADMIN_LOCK = 0x5757_0ad1;

/** Inserts a user; the very first one becomes an admin. Returns null when the username is taken. */
export async function insertUser(db: Db, username: string, passwordHash: string): Promise<UserRow | null> {
  return db.tx(async (q) => {
    // Serializes registrations just long enough that two "first" users cannot both become admin.
    await q.query('select pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
    const [row] = await q.query<UserRow>(
      `insert into users (username, password_hash, is_admin)
       values ($1, $2, not exists (select 1 from users))
       on conflict (username) do nothing
       returning id, username, password_hash, is_admin`,
      [username, passwordHash],
    );
    return row ?? null;
  });
}

export async function findUserByUsername(q: Queryable, username: string): Promise<UserRow | null> {
  const [row] = await q.query<UserRow>(
    'select id, username, password_hash, is_admin from users where username = $1',
    [username],
  );
  return row ?? null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await q.query<UserRow>('select id, username, password_hash, is_admin from users where id = $1', [id]);
  return row ?? null;
}
