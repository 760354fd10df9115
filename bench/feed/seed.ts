// Seeds a feed-read benchmark database with set-based SQL (seconds, not minutes): users that share
// one argon2id hash, ready photos spread over them and over busy cities with realistic keys, sizes,
// placeholders and captions, likes, a viewer who follows FOLLOWED users, and the viewer's
// home_timeline rows exactly as fan-out on write leaves them (every ready photo of a followed user,
// and the viewer's own). ANALYZE afterwards, so the planner sees the real sizes.
import pg from 'pg';

export interface SeedOptions {
  users: number;
  photos: number;
  followed: number;
  likes: number;
  viewerId: string;
}

export interface SeedSummary {
  users: number;
  photos: number;
  followed: number;
  homeRows: number;
  likes: number;
  cities: number;
  ms: number;
}

const CAPTIONS = [
  '',
  'Golden hour over the river',
  'Morning coffee and a long walk through the old town #sunday',
  'Street market',
  'First snow of the year, everything is quiet',
  'Rooftops',
  'Found this little place by accident and stayed for three hours. The light was perfect.',
  'Bikes, bridges and a lot of rain',
  'Night shift 🌃',
  'View from the top after a 900 m climb',
];

export async function seedFeeds(databaseUrl: string, opts: SeedOptions): Promise<SeedSummary> {
  const start = Date.now();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('begin');
    // Seeded users sign in with the viewer's password: argon2id is slow on purpose, so hash once.
    await db.query(
      `insert into users (username, password_hash, created_at)
       select 'bench_user_' || g, (select password_hash from users where id = $1), now() - interval '400 days'
       from generate_series(1, $2::int) g`,
      [opts.viewerId, opts.users],
    );
    // Photo g belongs to an owner picked by a multiplicative hash (every user gets about the same
    // share, the viewer included), in one of the 200 most populous cities (1 in 5 has none), one
    // photo every 30 s over the last weeks, ids in time order as uploads make them.
    await db.query(
      `with u as (select array_agg(id order by id) ids, count(*)::int n from users),
            c as (select array_agg(id order by population desc) ids from (select id, population from cities order by population desc limit 200) t)
       insert into photos (owner_id, caption, city_id, status, width, height, thumb_key, display_key, placeholder,
                           likes_count, created_at, ready_at, published_at)
       select u.ids[(1 + (g * 7919) % u.n)::int],
              ($2::text[])[(1 + (g * 31) % array_length($2::text[], 1))::int],
              case when g % 5 = 0 then null else c.ids[(1 + (g * 104729) % 200)::int] end,
              'ready',
              1080, (array[1350, 1080, 810, 720])[(1 + g % 4)::int],
              md5('t' || g) || md5('tt' || g) || '.webp',
              md5('d' || g) || md5('dd' || g) || '.webp',
              encode(substr(sha256(('p' || g)::bytea), 1, 23), 'base64'),
              0,
              now() - (($1::bigint - g) * interval '30 seconds') - interval '3 seconds',
              now() - (($1::bigint - g) * interval '30 seconds'),
              now() - (($1::bigint - g) * interval '30 seconds')
       from generate_series(1::bigint, $1::bigint) g, u, c
       order by g`,
      [opts.photos, CAPTIONS],
    );
    // Likes by random users on random photos, the viewer's among them, and the counts they make.
    await db.query(
      `with u as (select array_agg(id order by id) ids, count(*)::int n from users),
            p as (select min(id) lo, max(id) hi from photos)
       insert into likes (photo_id, user_id)
       select p.lo + floor(random() * (p.hi - p.lo + 1))::bigint, u.ids[1 + floor(random() * u.n)::int]
       from generate_series(1, $1::int), u, p
       on conflict do nothing`,
      [opts.likes],
    );
    await db.query(
      `update photos p set likes_count = l.n from (select photo_id, count(*)::int n from likes group by photo_id) l where l.photo_id = p.id`,
    );
    await db.query(
      `update cities c set photos_count = x.n from (select city_id, count(*)::int n from photos where city_id is not null group by city_id) x where x.city_id = c.id`,
    );
    // The viewer follows every other seeded user (up to FOLLOWED of them)…
    await db.query(
      `insert into follows (follower_id, followee_id, created_at)
       select $1::bigint, id, now() - interval '300 days'
       from (select id, row_number() over (order by id) r from users where id <> $1::bigint) s
       where r % 2 = 0 order by id limit $2::int`,
      [opts.viewerId, opts.followed],
    );
    // …and holds one home_timeline row per ready photo of theirs and of their own, as fan-out wrote them.
    await db.query(
      `insert into home_timeline (user_id, photo_id)
       select $1::bigint, p.id from photos p
       where p.status = 'ready' and (p.owner_id = $1::bigint or p.owner_id in (select followee_id from follows where follower_id = $1::bigint))`,
      [opts.viewerId],
    );
    await db.query('commit');
    await db.query('vacuum analyze');
    const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
    return {
      users: await count('select count(*) n from users'),
      photos: await count(`select count(*) n from photos where status = 'ready'`),
      followed: await count('select count(*) n from follows where follower_id = $1', [opts.viewerId]),
      homeRows: await count('select count(*) n from home_timeline where user_id = $1', [opts.viewerId]),
      likes: await count('select count(*) n from likes'),
      cities: await count('select count(*) n from cities where photos_count > 0'),
      ms: Date.now() - start,
    };
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  } finally {
    await db.end();
  }
}
