import type { Queryable } from '../../ports/db.js';
import type { ProfileCounts } from '../../shared/api.js';

/** How many of the followee's recent photos a new follower's home feed gets at once. */
const BACKFILL = 100;

export async function profileCounts(q: Queryable, userId: string): Promise<ProfileCounts> {
  const [row] = await q.query<ProfileCounts>(
    `select (select count(*)::int from photos where owner_id = $1 and status = 'ready') as photos,
            (select count(*)::int from follows where followee_id = $1) as followers,
            (select count(*)::int from follows where follower_id = $1) as following`,
    [userId],
  );
  return row!;
}

export async function isFollowing(q: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  return (await q.query(`select 1 from follows where follower_id = $1 and followee_id = $2`, [followerId, followeeId])).length > 0;
}

/** True when the follow is new; a new follower's home gets the followee's recent photos. */
export async function insertFollow(q: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  const rows = await q.query(
    `insert into follows (follower_id, followee_id) values ($1, $2) on conflict do nothing returning 1`,
    [followerId, followeeId],
  );
  if (rows.length === 0) return false;
  await q.query(
    `insert into home_timeline (user_id, photo_id)
     select $1, id from photos where owner_id = $2 and status = 'ready' order by id desc limit ${BACKFILL}
     on conflict do nothing`,
    [followerId, followeeId],
  );
  return true;
}

/** True when there was a follow to remove; the followee's photos leave the follower's home. */
export async function deleteFollow(q: Queryable, followerId: string, followeeId: string): Promise<boolean> {
  const rows = await q.query(`delete from follows where follower_id = $1 and followee_id = $2 returning 1`, [followerId, followeeId]);
  if (rows.length === 0) return false;
  await q.query(
    `delete from home_timeline h using photos p where h.user_id = $1 and h.photo_id = p.id and p.owner_id = $2`,
    [followerId, followeeId],
  );
  return true;
}

export async function followerCount(q: Queryable, userId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(`select count(*)::int as n from follows where followee_id = $1`, [userId]);
  return row!.n;
}

export async function badgesOf(q: Queryable, userId: string): Promise<number[]> {
  const rows = await q.query<{ badge: number }>(`select badge from user_badges where user_id = $1 order by badge`, [userId]);
  return rows.map((r) => r.badge);
}
