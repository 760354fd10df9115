// Block rows (migration 011): one per direction somebody chose; a block hides both ways.
import type { Queryable } from '../../ports/db.js';
import type { BlockedUser } from '../../shared/community.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';

/** True when the block is new. */
export async function insertBlock(q: Queryable, blockerId: string, blockedId: string): Promise<boolean> {
  const rows = await q.query(`insert into blocks (blocker_id, blocked_id) values ($1, $2) on conflict do nothing returning 1`, [blockerId, blockedId]);
  return rows.length > 0;
}

/** True when there was a block to lift. */
export async function deleteBlock(q: Queryable, blockerId: string, blockedId: string): Promise<boolean> {
  const rows = await q.query(`delete from blocks where blocker_id = $1 and blocked_id = $2 returning 1`, [blockerId, blockedId]);
  return rows.length > 0;
}

/** Whether either of the two blocked the other: what refuses a follow, a like or a comment between them. */
export async function blockedBetween(q: Queryable, a: string, b: string): Promise<boolean> {
  const rows = await q.query(
    `select 1 from blocks where (blocker_id = $1 and blocked_id = $2) or (blocker_id = $2 and blocked_id = $1) limit 1`,
    [a, b],
  );
  return rows.length > 0;
}

export async function isBlocking(q: Queryable, blockerId: string, blockedId: string): Promise<boolean> {
  return (await q.query(`select 1 from blocks where blocker_id = $1 and blocked_id = $2`, [blockerId, blockedId])).length > 0;
}

export async function countBlocking(q: Queryable, blockerId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(`select count(*)::int as n from blocks where blocker_id = $1`, [blockerId]);
  return row!.n;
}

/**
 * Everyone the user blocked or who blocked them, at most `max` (one index range each way: the
 * primary key and blocks_blocked_idx).
 */
export async function blockedEitherWay(q: Queryable, userId: string, max: number): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `select blocked_id::text as id from blocks where blocker_id = $1
     union
     select blocker_id::text from blocks where blocked_id = $1
     limit $2`,
    [userId, max],
  );
  return rows.map((r) => r.id);
}

/** Where a page of blocks ends: the block's time (microseconds since the epoch, exact) and the blocked user's id. */
export interface BlockCursor {
  at: string;
  id: string;
}

/** The users `blockerId` blocked, newest block first, strictly after the cursor. */
export async function listBlocked(q: Queryable, blockerId: string, before: BlockCursor | undefined, limit: number): Promise<(BlockedUser & { cursor: BlockCursor })[]> {
  const rows = await q.query<{ created_at: Date; at: string }>(
    `select ${publicUserColumns('u', 'blocked')}, b.created_at, (extract(epoch from b.created_at) * 1000000)::bigint::text as at
     from blocks b join users u on u.id = b.blocked_id
     where b.blocker_id = $1 and u.deleted_at is null
       and ($2::bigint is null or (b.created_at, b.blocked_id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::bigint))
     order by b.created_at desc, b.blocked_id desc limit $4`,
    [blockerId, before?.at ?? null, before?.id ?? null, limit],
  );
  return rows.map((r) => {
    const user = publicUserAs(r, 'blocked');
    return { user, createdAt: r.created_at.toISOString(), cursor: { at: r.at, id: user.id } };
  });
}

/**
 * Who is suspended now, with when it ends (null: indefinitely), by the database's clock. Walks
 * users_suspended_idx, which holds only users who were ever suspended.
 */
export async function suspendedUsers(q: Queryable): Promise<{ id: string; until_ms: number | null }[]> {
  return q.query<{ id: string; until_ms: number | null }>(
    `select id::text as id,
            case when suspended_until = 'infinity' then null else floor(extract(epoch from suspended_until) * 1000)::float8 end as until_ms
     from users where suspended_until is not null and suspended_until > now()`,
  );
}

/** Which of `ids` are in a block with `userId`, either way. */
export async function blockedAmong(q: Queryable, userId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id: string }>(
    `select blocked_id::text as id from blocks where blocker_id = $1 and blocked_id = any($2::bigint[])
     union
     select blocker_id::text from blocks where blocked_id = $1 and blocker_id = any($2::bigint[])`,
    [userId, ids],
  );
  return new Set(rows.map((r) => r.id));
}
