// What the database must look like after any sequence of requests, derived from the schema in
// src/adapters/db/migrations/ and the transitions the services make: denormalized counts agree with
// the rows they count, every photo is in a consistent state for its status, nothing points at rows
// that are gone, stored text went through the sanitizer, and a clean shutdown left no job running
// and no temporary upload behind. Run on the data dir after the server stopped.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPglite } from '../../../src/adapters/db/pglite.js';
import type { Db } from '../../../src/ports/db.js';
import type { Violation } from './contract.js';

interface Check {
  name: string;
  /** Rows returned are the offending ones. */
  sql: string;
  /** Tables or `table.column`s the check needs: it is skipped on a schema without them. */
  requires?: string[];
}

const CHECKS: Check[] = [
  {
    name: 'photos.likes_count equals its like rows',
    sql: `select p.id, p.likes_count, (select count(*)::int from likes l where l.photo_id = p.id) as rows
          from photos p where p.likes_count <> (select count(*) from likes l where l.photo_id = p.id)`,
  },
  {
    name: 'cities.photos_count equals its ready photos',
    sql: `select c.slug, c.photos_count, (select count(*)::int from photos p where p.city_id = c.id and p.status = 'ready') as rows
          from cities c where c.photos_count <> (select count(*) from photos p where p.city_id = c.id and p.status = 'ready')`,
  },
  {
    name: 'every photo has an owner and a valid status',
    sql: `select p.id, p.status from photos p left join users u on u.id = p.owner_id
          where u.id is null or p.status not in ('processing', 'ready', 'failed', 'deleting')`,
  },
  {
    name: 'ready photos have their dimensions, variants and placeholder, and no original left',
    sql: `select id from photos where status = 'ready' and (width is null or height is null or width <= 0 or height <= 0
          or thumb_key is null or display_key is null or placeholder is null or ready_at is null or upload_key is not null or failure is not null)`,
  },
  {
    name: 'processing photos still have their original and a resize job that will run',
    sql: `select p.id from photos p where p.status = 'processing' and (p.upload_key is null or not exists (
            select 1 from jobs j where j.name = 'photo.resize' and j.payload->>'photoId' = p.id::text and j.status in ('pending', 'running', 'sent')))`,
  },
  {
    name: 'failed photos have a reason and no variants or original',
    sql: `select id from photos where status = 'failed' and (failure is null or failure = '' or thumb_key is not null or display_key is not null or upload_key is not null)`,
  },
  {
    name: 'captions are sanitized and at most 500 characters',
    sql: `select id, caption from photos where char_length(caption) > 500 or caption <> btrim(caption, E' \\t\\n\\r')
          or caption ~ '[\\x01-\\x08\\x0B-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]'`,
  },
  {
    name: 'home timelines hold only ready photos of the reader or of people the reader follows',
    sql: `select h.user_id, h.photo_id from home_timeline h join photos p on p.id = h.photo_id
          where p.status not in ('ready', 'deleting') or (p.owner_id <> h.user_id and not exists (
            select 1 from follows f where f.follower_id = h.user_id and f.followee_id = p.owner_id))`,
  },
  {
    name: 'ready photos are in the home timelines of their owner and followers once fanned out',
    sql: `select p.id, f.follower_id from photos p join follows f on f.followee_id = p.owner_id
          where p.status = 'ready' and p.published_at is not null
            and not exists (select 1 from home_timeline h where h.user_id = f.follower_id and h.photo_id = p.id)
            and f.created_at < p.ready_at
            and not exists (select 1 from jobs j where j.name = 'photo.fanout' and j.payload->>'photoId' = p.id::text and j.status <> 'done')`,
  },
  {
    name: 'photos.comments_count equals its comment rows',
    requires: ['comments', 'photos.comments_count'],
    sql: `select p.id, p.comments_count, (select count(*)::int from comments c where c.photo_id = p.id) as rows
          from photos p where p.comments_count <> (select count(*) from comments c where c.photo_id = p.id)`,
  },
  {
    name: 'comments are sanitized and non-empty',
    requires: ['comments'],
    sql: `select id, body from comments where body = '' or body <> btrim(body, E' \\t\\n\\r')
          or body ~ '[\\x01-\\x08\\x0B-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]'`,
  },
  {
    name: 'tags.photos_count equals its photo links, and only ready photos are linked',
    requires: ['tags', 'photo_tags'],
    sql: `select 'count' as what, t.name as value from tags t where t.photos_count <> (select count(*) from photo_tags pt where pt.tag_id = t.id)
          union all select 'not ready', pt.photo_id::text from photo_tags pt join photos p on p.id = pt.photo_id where p.status <> 'ready'`,
  },
  {
    name: 'a deleted account has no session, and once gone (no username) owns nothing',
    requires: ['users.deleted_at'],
    sql: `select u.id, 'session' as what from users u where u.deleted_at is not null and exists (select 1 from sessions s where s.user_id = u.id)
          union all select u.id, 'owns rows' from users u where u.username is null and (
            exists (select 1 from photos p where p.owner_id = u.id) or exists (select 1 from likes l where l.user_id = u.id)
            or exists (select 1 from follows f where f.follower_id = u.id or f.followee_id = u.id))`,
  },
  {
    name: 'nobody follows themselves',
    sql: `select follower_id from follows where follower_id = followee_id`,
  },
  {
    name: 'likes, follows and timeline rows point at existing users and photos',
    sql: `select 'like' as what, l.photo_id::text as id from likes l where not exists (select 1 from photos p where p.id = l.photo_id) or not exists (select 1 from users u where u.id = l.user_id)
          union all select 'follow', f.follower_id::text from follows f where not exists (select 1 from users u where u.id = f.follower_id) or not exists (select 1 from users u where u.id = f.followee_id)
          union all select 'timeline', h.photo_id::text from home_timeline h where not exists (select 1 from photos p where p.id = h.photo_id) or not exists (select 1 from users u where u.id = h.user_id)`,
  },
  {
    name: 'chat messages belong to existing rooms and users, are sanitized, non-empty and at most 1000 characters',
    sql: `select m.id, m.room, m.body from chat_messages m
          where not exists (select 1 from chat_rooms r where r.name = m.room) or not exists (select 1 from users u where u.id = m.user_id)
             or m.kind not in ('text', 'action') or m.body = '' or char_length(m.body) > 1000 or m.body <> btrim(m.body, E' \\t\\n\\r')
             or m.body ~ '[\\x01-\\x08\\x0B-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]'`,
  },
  {
    name: 'room names and usernames match the contract',
    sql: `select 'room' as what, name as value from chat_rooms where name !~ '^[a-z0-9-]{1,40}$'
          union all select 'user', username from users where username !~ '^[a-z0-9_]{3,30}$'`,
  },
  {
    name: 'notifications are complete for their type and point at existing rows',
    sql: `select n.id, n.type from notifications n
          where (n.type in ('follow', 'like') and n.actor_id is null)
             or (n.type in ('like', 'photo.ready', 'photo.failed') and n.photo_id is null)
             or (n.type = 'badge' and (n.badge is null or n.badge not in (1, 10, 100)))
             or (n.type = 'photo.failed' and (n.reason is null or n.reason = ''))
             or (n.actor_id is not null and not exists (select 1 from users u where u.id = n.actor_id))
             or (n.photo_id is not null and not exists (select 1 from photos p where p.id = n.photo_id))
             or not exists (select 1 from users u where u.id = n.user_id)`,
  },
  {
    name: 'nobody is notified of their own follow or like',
    sql: `select id from notifications where type in ('follow', 'like') and actor_id = user_id`,
  },
  {
    name: 'sessions belong to existing users and expire after they start',
    sql: `select s.id_hash from sessions s where not exists (select 1 from users u where u.id = s.user_id) or s.expires_at <= s.created_at`,
  },
  {
    name: 'no job is left running after a clean shutdown',
    sql: `select id, name from jobs where status = 'running'`,
  },
  {
    name: 'no job was dead-lettered (a consumer kept failing)',
    sql: `select id, name, last_error from jobs where status = 'dead'`,
  },
  {
    name: 'photo jobs that are not done refer to photos by a well-formed id',
    sql: `select id, name, payload from jobs where name in ('photo.resize', 'photo.fanout') and status <> 'done'
          and (payload->>'photoId') !~ '^[0-9]{1,18}$'`,
  },
];

export async function checkDatabase(dataDir: string): Promise<{ violations: Violation[]; counts: Record<string, number> }> {
  const violations: Violation[] = [];
  const db: Db = await openPglite(join(dataDir, 'db'));
  const counts: Record<string, number> = {};
  try {
    const columns = new Set(
      (await db.query<{ t: string; c: string }>(`select table_name as t, column_name as c from information_schema.columns where table_schema = 'public'`)).flatMap((r) => [r.t, `${r.t}.${r.c}`]),
    );
    for (const check of CHECKS) {
      if (check.requires?.some((r) => !columns.has(r))) continue;
      let rows: unknown[];
      try {
        rows = await db.query(check.sql);
      } catch (err) {
        violations.push({ property: 'db-invariant', detail: `${check.name}: the check failed to run: ${(err as Error).message}`, signature: `db-invariant-error ${check.name}` });
        continue;
      }
      if (rows.length > 0) {
        violations.push({
          property: 'db-invariant',
          detail: `${check.name}: ${rows.length} offending row(s), e.g. ${JSON.stringify(rows.slice(0, 3)).slice(0, 600)}`,
          signature: `db-invariant ${check.name}`,
        });
      }
    }
    for (const table of ['users', 'sessions', 'photos', 'likes', 'follows', 'home_timeline', 'notifications', 'chat_rooms', 'chat_messages', 'jobs']) {
      const [row] = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
      counts[table] = row?.n ?? 0;
    }
    // Files: every ready photo's variants exist; no temporary upload survived its request.
    const keys = await db.query<{ id: string; thumb_key: string; display_key: string }>(`select id, thumb_key, display_key from photos where status = 'ready'`);
    const missing = keys.flatMap((k) => [k.thumb_key, k.display_key].filter((key) => !existsSync(join(dataDir, 'media', key.slice(0, 2), key.slice(2, 4), key))).map((key) => `${k.id}:${key}`));
    if (missing.length) violations.push({ property: 'db-invariant', detail: `ready photos whose variant files are missing: ${missing.slice(0, 5).join(', ')}`, signature: 'db-invariant variant files exist' });
    const originals = await db.query<{ upload_key: string }>(`select upload_key from photos where upload_key is not null`);
    const lost = originals.filter((o) => !existsSync(join(dataDir, 'uploads', o.upload_key.slice(0, 2), o.upload_key.slice(2, 4), o.upload_key)));
    if (lost.length) violations.push({ property: 'db-invariant', detail: `processing photos whose original is missing: ${lost.slice(0, 5).map((o) => o.upload_key).join(', ')}`, signature: 'db-invariant originals exist' });
  } finally {
    await db.close();
  }
  const tmp = join(dataDir, 'tmp');
  const leftovers = existsSync(tmp) ? readdirSync(tmp) : [];
  if (leftovers.length) violations.push({ property: 'db-invariant', detail: `${leftovers.length} temporary upload file(s) left in DATA_DIR/tmp, e.g. ${leftovers.slice(0, 3).join(', ')}`, signature: 'db-invariant tmp files' });
  return { violations, counts };
}
