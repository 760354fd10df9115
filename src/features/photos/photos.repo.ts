// Photo rows and the feeds that list them. Every read builds its photos with photoOf, so a photo
// looks the same in every list, event and reply.
import type { Queryable } from '../../ports/db.js';
import type { CityRef, Photo, PhotoStatus, PublicUser } from '../../shared/api.js';
import { publicUser, publicUserAs, publicUserColumns, USER_COLUMNS, type UserColumns } from '../profiles/public-user.js';
import { tagReadyPhoto, untagPhoto } from '../tags/tags.repo.js';
import { parseTags } from '../tags/tags.text.js';
import { mediaUrl } from './media-url.js';

/** A photo's own columns, as a feed page reads them. */
interface PageRow {
  id: string;
  owner_id: string;
  caption: string;
  status: PhotoStatus;
  width: number | null;
  height: number | null;
  thumb_key: string | null;
  display_key: string | null;
  placeholder: string | null;
  failure: string | null;
  likes_count: number;
  comments_count: number;
  created_at: Date;
  liked: boolean;
}

/** With the owner's name and the city joined in, as single-photo reads get it. */
interface PhotoRow extends PageRow {
  city_slug: string | null;
  city_name: string | null;
  city_country: string | null;
}

/** $1 is the viewer's id (or null), for `liked`. */
const PHOTO_SELECT = `
  select p.id, p.owner_id, ${publicUserColumns('u', 'owner')}, p.caption, p.status, p.width, p.height, p.thumb_key, p.display_key,
         p.placeholder, p.failure, p.likes_count, p.comments_count, p.created_at,
         c.slug as city_slug, c.name as city_name, c.country as city_country,
         ($1::bigint is not null and exists (select 1 from likes l where l.photo_id = p.id and l.user_id = $1::bigint)) as liked
  from photos p join users u on u.id = p.owner_id left join cities c on c.id = p.city_id`;

export { mediaUrl };

function toPhoto(r: PhotoRow): Photo {
  return photoOf(r, publicUserAs(r, 'owner'), r.city_slug ? { slug: r.city_slug, name: r.city_name!, country: r.city_country! } : null);
}

function photoOf(r: PageRow, owner: PublicUser, city: CityRef | null): Photo {
  return {
    id: r.id,
    owner,
    caption: r.caption,
    city,
    status: r.status,
    width: r.width,
    height: r.height,
    variants: r.thumb_key && r.display_key ? { thumb: mediaUrl(r.thumb_key), display: mediaUrl(r.display_key) } : null,
    placeholder: r.placeholder,
    likes: r.likes_count,
    comments: r.comments_count,
    liked: r.liked,
    failure: r.failure,
    createdAt: r.created_at.toISOString(),
  };
}

/** A photo as `viewerId` may see it: ready photos for anyone, the rest for the owner only. */
export async function findPhoto(q: Queryable, id: string, viewerId: string | null): Promise<Photo | null> {
  const [row] = await q.query<PhotoRow>(`${PHOTO_SELECT} where p.id = $2 and (p.status = 'ready' or p.owner_id = $1::bigint)`, [viewerId, id]);
  return row ? toPhoto(row) : null;
}

/** The photo whatever its status, as broadcast (nobody's `liked`). */
export async function loadPhoto(q: Queryable, id: string): Promise<Photo | null> {
  const [row] = await q.query<PhotoRow>(`${PHOTO_SELECT} where p.id = $2`, [null, id]);
  return row ? toPhoto(row) : null;
}

export type Feed =
  | { kind: 'latest' }
  | { kind: 'home'; userId: string }
  | { kind: 'city'; cityId: number }
  | { kind: 'profile'; ownerId: string }
  | { kind: 'tag'; tagId: string };

/**
 * Owners and city names by id, as one Strobe process has met them, so a feed page reads its photos'
 * own rows only: looking the names up in the query was a third of PostgreSQL's work per page.
 * Cities never change (the dataset is fixed). A profile does (display name, bio, avatar): the
 * composition root calls `forgetUser` when `profile.updated` reaches this process, and an entry
 * also expires after USER_TTL_MS, which bounds how stale a profile can be if that event was lost.
 * Unknown ids cost one query per kind, for the whole page.
 */
export class Names {
  private readonly users = new Map<string, { user: PublicUser; at: number }>();
  private readonly cities = new Map<number, CityRef>();
  /**
   * Bumped by every forgetUser: a lookup that started before one must not store what it read, and
   * a page kept with owners from before one is built again (home-pages.ts).
   */
  private gen = 0;

  constructor(
    private readonly maxUsers = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The rows whose owner exists (as the join the query used to make), each with its owner. */
  async fill<R extends { owner_id: string; city_id: number | null }>(q: Queryable, rows: R[]): Promise<{ row: R; owner: PublicUser }[]> {
    const owners = new Map<string, PublicUser>();
    const stale = this.now() - USER_TTL_MS;
    const missing: string[] = [];
    for (const r of rows) {
      if (owners.has(r.owner_id)) continue;
      const cached = this.users.get(r.owner_id);
      if (cached && cached.at > stale) owners.set(r.owner_id, cached.user);
      else if (!missing.includes(r.owner_id)) missing.push(r.owner_id);
    }
    if (missing.length > 0) {
      const generation = this.gen;
      const found = await q.query<UserColumns>(`select ${USER_COLUMNS} from users where id = any($1::bigint[]) and username is not null`, [missing]);
      // A forgetUser during the query may mean what was read is already old: use it for this page only.
      const keep = generation === this.gen;
      if (keep && this.users.size + found.length > this.maxUsers) this.users.clear();
      const at = this.now();
      for (const u of found) {
        const user = publicUser(u);
        owners.set(u.id, user);
        if (keep) this.users.set(u.id, { user, at });
      }
    }
    const cities = [...new Set(rows.map((r) => r.city_id).filter((id): id is number => id !== null && !this.cities.has(id)))];
    if (cities.length > 0) {
      const found = await q.query<CityRef & { id: number }>(`select id, slug, name, country from cities where id = any($1::int[])`, [cities]);
      for (const c of found) this.cities.set(c.id, { slug: c.slug, name: c.name, country: c.country });
    }
    const out: { row: R; owner: PublicUser }[] = [];
    for (const row of rows) {
      const owner = owners.get(row.owner_id);
      if (owner) out.push({ row, owner });
    }
    return out;
  }

  city(id: number | null): CityRef | null {
    return id === null ? null : (this.cities.get(id) ?? null);
  }

  get generation(): number {
    return this.gen;
  }

  forgetUser(id: string): void {
    this.gen++;
    this.users.delete(id);
  }

}

/** How long a process trusts an owner's profile it read, in case a `profile.updated` never reached it. */
export const USER_TTL_MS = 60_000;

/**
 * A feed page: `page` picks the rows (newest first, `limit` of them), and only then is `liked`
 * probed for them. Computed over the whole feed, PostgreSQL could hash every like of the viewer
 * instead of probing 20 rows. $1 is the viewer's id (or null).
 */
const PAGE_SELECT = `
  select p.id, p.owner_id, p.city_id, p.caption, p.status, p.width, p.height, p.thumb_key, p.display_key, p.placeholder,
         p.failure, p.likes_count, p.comments_count, p.created_at,
         ($1::bigint is not null and exists (select 1 from likes l where l.photo_id = p.id and l.user_id = $1::bigint)) as liked`;

/**
 * Newest first, strictly older than `beforeId`, leaving out the photos of `hidden` owners (blocks,
 * suspensions: features/blocks/visibility.ts) before the limit, so a page stays full and its cursor right.
 */
export async function listFeed(
  q: Queryable,
  names: Names,
  feed: Feed,
  viewerId: string | null,
  beforeId: string | undefined,
  limit: number,
  hidden: readonly string[] = [],
): Promise<Photo[]> {
  const params: unknown[] = [viewerId, beforeId ?? null, limit];
  let page: string;
  // With nothing hidden (nearly always) the query is the one it was before blocks; `$n` holds the
  // hidden owners, after the feed's own argument if it takes one.
  const before = ($id: string, n = 5) => `($2::bigint is null or ${$id} < $2::bigint)${hidden.length > 0 ? ` and p.owner_id <> all($${n}::bigint[])` : ''}`;
  switch (feed.kind) {
    case 'latest':
      page = `select p.* from photos p where p.status = 'ready' and ${before('p.id', 4)} order by p.id desc limit $3`;
      break;
    case 'home':
      // Walked from the reader's timeline (its primary key is user_id, photo_id), so a reader who
      // follows few people does not make the database step over everybody else's photos.
      page = `select p.* from home_timeline h join photos p on p.id = h.photo_id
              where h.user_id = $4::bigint and p.status = 'ready' and ${before('h.photo_id')} order by h.photo_id desc limit $3`;
      params.push(feed.userId);
      break;
    case 'city':
      page = `select p.* from photos p where p.status = 'ready' and p.city_id = $4::int and ${before('p.id')} order by p.id desc limit $3`;
      params.push(feed.cityId);
      break;
    case 'profile':
      // Owners also see their own photos still processing, or failed with a reason.
      page = `select p.* from photos p where p.owner_id = $4::bigint and (p.status = 'ready' or p.owner_id = $1::bigint) and ${before('p.id')}
              order by p.id desc limit $3`;
      params.push(feed.ownerId);
      break;
    case 'tag':
      // Walked from the tag's links (photo_tags_feed_idx), which hold ready photos only.
      page = `select p.* from photo_tags t join photos p on p.id = t.photo_id
              where t.tag_id = $4::bigint and p.status = 'ready' and ${before('t.photo_id')} order by t.photo_id desc limit $3`;
      params.push(feed.tagId);
      break;
  }
  if (hidden.length > 0) params.push(hidden);
  const rows = await names.fill(q, await q.query<PageRow & { city_id: number | null }>(`${PAGE_SELECT} from (${page}) p order by p.id desc`, params));
  // No spread of the driver's rows into new objects: that cost more than the rest of the page.
  return rows.map(({ row, owner }) => photoOf(row, owner, names.city(row.city_id)));
}

export async function insertPhoto(q: Queryable, p: { ownerId: string; caption: string; cityId: number | null; uploadKey: string }): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into photos (owner_id, caption, city_id, upload_key) values ($1, $2, $3, $4) returning id`,
    [p.ownerId, p.caption, p.cityId, p.uploadKey],
  );
  return row!.id;
}

export interface ProcessingPhoto {
  id: string;
  owner_id: string;
  upload_key: string;
  city_id: number | null;
}

/** The photo if it is still waiting for its variants; null when it was deleted or already processed. */
export async function findProcessing(q: Queryable, id: string): Promise<ProcessingPhoto | null> {
  const [row] = await q.query<ProcessingPhoto>(
    `select id, owner_id, upload_key, city_id from photos where id = $1 and status = 'processing' and upload_key is not null`,
    [id],
  );
  return row ?? null;
}

export interface Variants {
  width: number;
  height: number;
  thumbKey: string;
  displayKey: string;
  placeholder: string;
  cityId: number | null;
}

/** processing -> ready, once: a second run finds nothing to update and returns null. Also counts the photo in its city and its tags. */
export async function markReady(q: Queryable, id: string, v: Variants): Promise<{ ownerId: string } | null> {
  const [row] = await q.query<{ owner_id: string; city_id: number | null; caption: string }>(
    `update photos p set status = 'ready', width = $2, height = $3, thumb_key = $4, display_key = $5, placeholder = $6,
            city_id = coalesce(p.city_id, $7), ready_at = now(), upload_key = null
     where p.id = $1 and p.status = 'processing'
     returning p.owner_id, p.city_id, p.caption`,
    [id, v.width, v.height, v.thumbKey, v.displayKey, v.placeholder, v.cityId],
  );
  if (!row) return null;
  if (row.city_id !== null) await q.query(`update cities set photos_count = photos_count + 1 where id = $1`, [row.city_id]);
  await tagReadyPhoto(q, id, row.caption);
  return { ownerId: row.owner_id };
}

/** processing -> failed, once; returns the original's key so it can be purged. */
export async function markFailed(q: Queryable, id: string, reason: string): Promise<{ ownerId: string; uploadKey: string | null } | null> {
  const [before] = await q.query<{ upload_key: string | null }>(
    `select upload_key from photos where id = $1 and status = 'processing' for update`,
    [id],
  );
  if (!before) return null;
  const [row] = await q.query<{ owner_id: string }>(
    `update photos set status = 'failed', failure = $2, upload_key = null where id = $1 returning owner_id`,
    [id, reason],
  );
  return { ownerId: row!.owner_id, uploadKey: before.upload_key };
}

export interface DeletedPhoto {
  ownerId: string;
  ownerName: string;
  status: PhotoStatus;
  citySlug: string | null;
  mediaKeys: string[];
  uploadKey: string | null;
  /** Readers whose home timeline held it. */
  homeUserIds: string[];
  /** Its tags (a ready photo's only), whose walls showed it. */
  tags: string[];
}

export async function deletePhoto(q: Queryable, id: string): Promise<DeletedPhoto | null> {
  const homes = await q.query<{ user_id: string }>(`delete from home_timeline where photo_id = $1 returning user_id`, [id]);
  const tags = await untagPhoto(q, id);
  const [row] = await q.query<{
    owner_id: string;
    status: PhotoStatus;
    city_id: number | null;
    thumb_key: string | null;
    display_key: string | null;
    upload_key: string | null;
    caption: string;
  }>(`delete from photos where id = $1 returning owner_id, status, city_id, thumb_key, display_key, upload_key, caption`, [id]);
  if (!row) return null;
  let citySlug: string | null = null;
  if (row.city_id !== null) {
    const [city] = await q.query<{ slug: string }>(
      `update cities set photos_count = photos_count - $2 where id = $1 returning slug`,
      [row.city_id, row.status === 'ready' ? 1 : 0],
    );
    citySlug = city?.slug ?? null;
  }
  const [owner] = await q.query<{ username: string }>(`select username from users where id = $1`, [row.owner_id]);
  return {
    ownerId: row.owner_id,
    ownerName: owner!.username,
    status: row.status,
    citySlug,
    mediaKeys: [row.thumb_key, row.display_key].filter((k): k is string => k !== null),
    uploadKey: row.upload_key,
    homeUserIds: homes.map((h) => h.user_id),
    // A photo hidden by its account's deletion lost its links then (migration 009's trigger), but
    // its tag walls still show it: its caption says which they are.
    tags: (row.status as string) === 'deleting' ? [...new Set([...tags, ...parseTags(row.caption)])] : tags,
  };
}

export async function photoOwner(q: Queryable, id: string): Promise<{ ownerId: string; status: PhotoStatus } | null> {
  const [row] = await q.query<{ owner_id: string; status: PhotoStatus }>(`select owner_id, status from photos where id = $1`, [id]);
  return row ? { ownerId: row.owner_id, status: row.status } : null;
}

/** Which of these blob keys no photo refers to any more. */
export async function unreferencedKeys(q: Queryable, keys: readonly string[], column: 'media' | 'upload'): Promise<string[]> {
  if (keys.length === 0) return [];
  const cond = column === 'media' ? `p.thumb_key = k or p.display_key = k` : `p.upload_key = k`;
  // Blobs are content-addressed, so an avatar can be the same bytes as another user's avatar.
  const avatars =
    column === 'media'
      ? `and not exists (select 1 from users u where u.avatar_small = k or u.avatar_large = k)`
      : `and not exists (select 1 from users u where u.avatar_upload = k)`;
  const rows = await q.query<{ k: string }>(
    `select k from unnest($1::text[]) k where not exists (select 1 from photos p where ${cond}) ${avatars}`,
    [keys],
  );
  return rows.map((r) => r.k);
}
