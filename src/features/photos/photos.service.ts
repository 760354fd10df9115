// Photos as users see them: upload (accepted at once, processed by jobs), read, like, delete, and
// the feeds. What happens after an upload is in photos.pipeline.ts.
import { errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type LikeResult, type Photo } from '../../shared/api.js';
import { sanitizeText } from '../../shared/text.js';
import type { Viewer } from '../accounts/viewer.js';
import { blockedBetween } from '../blocks/blocks.repo.js';
import { NOBODY_HIDDEN, type HiddenAuthors } from '../blocks/visibility.js';
import type { CitiesService } from '../cities/cities.service.js';
import { SOCIAL_LIMITS, type SocialService } from '../social/social.service.js';
import { SharedReads } from '../../adapters/db/batched-reads.js';
import { keepImageUpload } from './keep-upload.js';
import { HomePages } from './home-pages.js';
import { deletePhoto, findPhoto, insertPhoto, listFeed, Names, photoOwner, USER_TTL_MS, type Feed } from './photos.repo.js';
import { resizeRequest } from './resizer.js';
import type { ReceivedUpload } from './upload.js';
import { recordEvent } from '../events/events.js';
import { publicFieldsOf } from '../profiles/public-user.js';

/** Readers whose first home page each web process keeps (~25 KB each). */
export const HOME_PAGES_KEPT = 1_000;

export const PHOTO_LIMITS = {
  uploadsPerUser: { limit: 30, windowMs: 10 * 60_000 },
} as const;

export interface PhotosDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  uploads: BlobStore;
  /** Where resizers write variants (a resize request names their keys). */
  media: BlobStore;
  cities: CitiesService;
  social: SocialService;
  /** Whose photos each viewer must not see (blocks, suspensions); nobody's when left out (tests). */
  hidden?: HiddenAuthors;
}

export class PhotosService {
  private readonly signedOutReads = new SharedReads<Photo[]>();
  private readonly names = new Names();
  private readonly homePages: HomePages;
  private readonly hidden: HiddenAuthors;

  constructor(private readonly deps: PhotosDeps) {
    this.hidden = deps.hidden ?? NOBODY_HIDDEN;
    this.homePages = new HomePages(deps.db, { maxReaders: HOME_PAGES_KEPT, maxAgeMs: USER_TTL_MS });
  }

  /** How many home reads were answered from a kept page, and how many built one (home-pages.ts). */
  get homePageStats(): { kept: number; built: number } {
    return { ...this.homePages.stats };
  }

  /** A user's profile changed: feeds read it again rather than show the copy this process kept. */
  forgetUser(userId: string): void {
    this.names.forgetUser(userId);
  }

  /** Called before the body is read, so a refused upload costs no disk. */
  async admitUpload(viewer: Viewer): Promise<void> {
    await enforceRate(this.deps.limiter, `photos:upload:${viewer.id}`, PHOTO_LIMITS.uploadsPerUser);
  }

  /**
   * Validates a received upload and accepts it: the original goes to the uploads store, and the
   * photo row and its resize job commit together, so a crash can lose neither one without the other.
   */
  async accept(viewer: Viewer, upload: ReceivedUpload): Promise<Photo> {
    const { file, fields } = upload;
    const caption = parseCaption(fields.caption);
    const cityId = fields.city ? await this.deps.cities.idOf(fields.city) : null;
    const key = await keepImageUpload(this.deps.uploads, file, '`file` is required: attach a photo.');
    const id = await this.deps.db.tx(async (q) => {
      const photoId = await insertPhoto(q, { ownerId: viewer.id, caption, cityId, uploadKey: key });
      await enqueue(q, 'photo.resize', await resizeRequest(photoId, key, this.deps));
      return photoId;
    });
    return (await findPhoto(this.deps.db, id, viewer.id))!;
  }

  /** A photo of someone the viewer must not see (a block either way, a suspension) is not found. */
  async get(id: string, viewer: Viewer | null): Promise<Photo> {
    const photo = isId(id) ? await findPhoto(this.deps.db, id, viewer?.id ?? null) : null;
    if (!photo || (await this.hides(viewer, photo.owner.id))) throw errors.notFound('The photo');
    return photo;
  }

  /** Whether the viewer must not see this user's photos. */
  async hides(viewer: Viewer | null, ownerId: string): Promise<boolean> {
    return ownerId !== viewer?.id && (await this.hidden.hiddenFor(viewer?.id ?? null)).includes(ownerId);
  }

  /**
   * A photo the viewer may act on (like, comment): not found when it is not visible or its owner is
   * suspended; BLOCKED when either of the two blocked the other (read from the database, not a cache).
   */
  async actionable(id: string, viewer: Viewer, action: string): Promise<Photo> {
    const photo = isId(id) ? await findPhoto(this.deps.db, id, viewer.id) : null;
    if (!photo || (photo.owner.id !== viewer.id && this.hidden.isSuspended(photo.owner.id))) throw errors.notFound('The photo');
    if (photo.owner.id !== viewer.id && (await blockedBetween(this.deps.db, viewer.id, photo.owner.id))) {
      throw errors.blocked(`You cannot ${action} a photo of someone you blocked or who blocked you.`);
    }
    return photo;
  }

  /**
   * The page may be shared (by every signed-out reader of it at the same moment, by the reads a kept
   * home page answers): treat it as read-only.
   */
  feed(feed: Feed, viewer: Viewer | null, beforeId: string | undefined, limit: number): Promise<Photo[]> {
    if (viewer) {
      return this.hidden.hiddenFor(viewer.id).then((hidden) => {
        const { db } = this.deps;
        const read = () => listFeed(db, this.names, feed, viewer.id, beforeId, limit, hidden);
        // The first home page is what a signed-in reader opens most: each process keeps it per
        // reader and checks it per read (home-pages.ts).
        if (feed.kind === 'home' && beforeId === undefined) return this.homePages.read(viewer.id, limit, hidden, this.names.generation, read);
        return read();
      });
    }
    // Signed out, the page is the same for everyone (no `liked`, and only suspended owners hidden),
    // so concurrent requests share a query.
    const key = `${JSON.stringify(feed)}:${beforeId ?? ''}:${limit}`;
    return this.signedOutReads.read(key, async () => listFeed(this.deps.db, this.names, feed, null, beforeId, limit, await this.hidden.hiddenFor(null)));
  }

  async like(viewer: Viewer, id: string): Promise<LikeResult> {
    await this.actionable(id, viewer, 'like');
    await enforceRate(this.deps.limiter, `social:${viewer.id}`, SOCIAL_LIMITS.actionsPerUser);
    const done = await this.deps.db.tx(async (q) => {
      // Locked first: a delete that landed since the check above leaves nothing to like (its like
      // row would break the foreign key), and one that comes now waits for this to commit.
      const [photo] = await q.query<{ owner_id: string }>(`select owner_id from photos where id = $1 for update`, [id]);
      if (!photo) return null;
      const added = await q.query(`insert into likes (photo_id, user_id) values ($1, $2) on conflict do nothing returning 1`, [id, viewer.id]);
      const [row] = await q.query<{ likes_count: number }>(
        `update photos set likes_count = likes_count + $2 where id = $1 returning likes_count`,
        [id, added.length],
      );
      if (added.length > 0) {
        await recordEvent(q, 'photo.liked', { photo: { id, ownerId: photo.owner_id, likes: row!.likes_count }, user: publicFieldsOf(viewer) });
      }
      if (added.length > 0 && photo.owner_id !== viewer.id) {
        await enqueue(q, 'notify', { userId: photo.owner_id, type: 'like', actorId: viewer.id, photoId: id, key: `like:${id}:${viewer.id}` });
      }
      return { likes: row!.likes_count, changed: added.length > 0 };
    });
    if (!done) throw errors.notFound('The photo');
    if (done.changed) await this.deps.bus.publish(`photo:${id}`, 'photo.liked', { id, likes: done.likes });
    return { likes: done.likes, liked: true };
  }

  async unlike(viewer: Viewer, id: string): Promise<LikeResult> {
    await this.actionable(id, viewer, 'unlike');
    await enforceRate(this.deps.limiter, `social:${viewer.id}`, SOCIAL_LIMITS.actionsPerUser);
    const done = await this.deps.db.tx(async (q) => {
      // As in like(): the photo may have been deleted since the check above.
      const [photo] = await q.query(`select 1 from photos where id = $1 for update`, [id]);
      if (!photo) return null;
      const removed = await q.query(`delete from likes where photo_id = $1 and user_id = $2 returning 1`, [id, viewer.id]);
      const [row] = await q.query<{ likes_count: number }>(
        `update photos set likes_count = likes_count - $2 where id = $1 returning likes_count`,
        [id, removed.length],
      );
      return { likes: row!.likes_count, changed: removed.length > 0 };
    });
    if (!done) throw errors.notFound('The photo');
    if (done.changed) await this.deps.bus.publish(`photo:${id}`, 'photo.liked', { id, likes: done.likes });
    return { likes: done.likes, liked: false };
  }

  /** Owner or admin. Every stream that showed the photo is told, then its files are purged. */
  async delete(viewer: Viewer, id: string): Promise<void> {
    const owner = isId(id) ? await photoOwner(this.deps.db, id) : null;
    if (!owner || (owner.status !== 'ready' && owner.ownerId !== viewer.id && !viewer.isAdmin)) throw errors.notFound('The photo');
    if (owner.ownerId !== viewer.id && !viewer.isAdmin) throw errors.forbidden('Only its owner or an admin can delete a photo.');
    await this.remove(id);
  }

  /**
   * Deletes a photo (no rights checked), queues the purge of its files and tells every stream that
   * showed it. Account deletion (accounts/accounts.jobs.ts) uses it too, for photos it hid at once
   * (status `deleting`: they were on the walls until then) and whose owner's counts it need not push.
   */
  async remove(id: string, opts: { countsChanged?: boolean } = {}): Promise<void> {
    const gone = await this.deps.db.tx(async (q) => {
      const deleted = await deletePhoto(q, id);
      if (deleted) {
        await enqueue(q, 'blobs.purge', { media: deleted.mediaKeys, uploads: deleted.uploadKey ? [deleted.uploadKey] : [] });
        // Other services heard of it only once it was ready (or hidden by its account's deletion).
        if (deleted.status === 'ready' || (deleted.status as string) === 'deleting') await recordEvent(q, 'photo.deleted', { photo: { id, ownerId: deleted.ownerId } });
      }
      return deleted;
    });
    if (!gone) return; // deleted concurrently: the other delete told everyone
    const data = { id };
    const walls = ['latest', `profile:${gone.ownerName}`, ...(gone.citySlug ? [`city:${gone.citySlug}`] : []), ...gone.tags.map((tag) => `tag:${tag}`)];
    const shown = gone.status === 'ready' || (gone.status as string) === 'deleting';
    const streams = shown ? walls : [];
    await this.deps.bus.publishMany([...streams, ...gone.homeUserIds.map((u) => `home:${u}`)], 'photo.deleted', data);
    if (gone.status === 'ready' && opts.countsChanged !== false) await this.deps.social.countsChanged({ id: gone.ownerId, username: gone.ownerName });
  }
}

function isId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

function parseCaption(raw: string | undefined): string {
  if (raw === undefined) return '';
  const caption = sanitizeText(raw);
  if ([...caption].length > LIMITS.captionMax) throw errors.validation(`Captions are at most ${LIMITS.captionMax} characters.`);
  return caption;
}
