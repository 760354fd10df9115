// What happens to a photo after its upload, as jobs. The chain is here and nowhere else:
//
//   upload ─► photo.resize ─► (any resizer) ─► photo.resized ─┬─► photo.fanout      (home timelines, live walls)
//                                                            ├─► notify             (photo.ready, to the owner)
//                                                            ├─► badges.check       (upload milestones)
//                                                            ├─► photo.mentions     (@username in the caption: features/comments/comments.jobs.ts)
//                                                            ├─► (domain event)     photo.ready (features/events)
//                                                            └─► blobs.purge        (the original)
//                                              failed ───────┬─► notify             (photo.failed, with the reason)
//                                                            └─► blobs.purge
//
// The request and reply are the resize contract (resizer.ts, docs/messages.md).
//
// Every step is idempotent: state transitions are guarded (processing -> ready happens once),
// timeline rows are keyed, notifications have dedupe keys, and a variant's key is its photo's own.
import { createHash } from 'node:crypto';
import { enqueue } from '../../jobs/outbox.js';
import { recordEvent } from '../events/events.js';
import { isBlobKey, type BlobStore } from '../../ports/blobs.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db, Queryable } from '../../ports/db.js';
import type { JobRunner, ResizedReply } from '../../ports/jobs.js';
import type { CitiesService } from '../cities/cities.service.js';
import { enqueueCaptionMentions } from '../comments/comments.jobs.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { SocialService } from '../social/social.service.js';
import { placeholderOf } from './images.js';
import { reply, resizeFor } from './resizer.js';
import { findProcessing, loadPhoto, markFailed, markReady, unreferencedKeys } from './photos.repo.js';
import { photoTagNames } from '../tags/tags.repo.js';

/**
 * Followers written per statement: a user with 100,000 followers costs 20 round trips, not 100,000.
 * At 100k followers 5,000 beat 1,000 by about a fifth (see bench/write-fanout.ts); most of a
 * statement's time is the two foreign-key checks per inserted row.
 */
export const FANOUT_BATCH = 5_000;

export const GAVE_UP = 'We could not process this photo. Please try uploading it again.';

export interface PipelineDeps {
  db: Db;
  bus: RealtimeBus;
  media: BlobStore;
  uploads: BlobStore;
  cities: CitiesService;
  notifications: NotificationsService;
  social: SocialService;
  /** The process's scratch folder (emptied at start): a decode's temporary file goes there. */
  scratchDir?: string;
  log: { warn(obj: object, msg: string): void };
}

export function registerPhotoJobs(runner: JobRunner, deps: PipelineDeps): void {
  runner.handle('photo.resize', (job) => resizeFor(deps, job.payload), {
    // Only unexpected failures get here (unreadable images are a failure reply, without retries).
    onDead: (job, error) => {
      deps.log.warn({ photoId: job.payload.photoId, error }, 'photo processing gave up');
      return reply(deps.db, { photoId: job.payload.photoId, ok: false, reason: GAVE_UP });
    },
  });
  runner.handle('photo.resized', (job) => resized(deps, job.payload));
  runner.handle('photo.fanout', (job) => fanout(deps, job.payload.photoId));
  runner.handle('blobs.purge', (job) => purge(deps, job.payload));
  runner.handle('notify', (job) => deps.notifications.deliver(job.payload));
  runner.handle('badges.check', (job) => deps.notifications.checkBadges(job.payload.userId));
}

/**
 * Applies a resizer's reply (Strobe's own or another): the variants become the photo's and it is
 * ready, with everything that follows, in one transaction; or it failed with the resizer's reason.
 * A reply for a photo deleted meanwhile leaves files nobody refers to: they are purged.
 */
export async function resized(deps: PipelineDeps, reply: ResizedReply): Promise<void> {
  const { photoId } = reply;
  if (!reply.ok) return fail(deps, photoId, reply.reason.slice(0, 300));
  const keys = [reply.variants.display.key, reply.variants.thumb.key];
  const photo = await findProcessing(deps.db, photoId);
  if (!photo) {
    // Deleted, failed or done already (a repeated reply): files this reply names may be nobody's.
    await deps.db.tx((q) => enqueue(q, 'blobs.purge', { media: keys.filter(isBlobKey), uploads: [] }));
    return;
  }
  // A resizer elsewhere is trusted with bytes, not with keys or sizes: both are checked.
  const thumb = isBlobKey(reply.variants.thumb.key) ? await deps.media.get(reply.variants.thumb.key) : null;
  if (!keys.every(isBlobKey) || !thumb || !(await deps.media.stat(reply.variants.display.key)) || !validSize(reply)) {
    thumb?.body.destroy();
    deps.log.warn({ photoId }, 'a resizer replied with variants that are not there or not sane');
    return fail(deps, photoId, GAVE_UP);
  }
  const placeholder = reply.placeholder ?? (await placeholderOf(thumb.body));
  // The position is used here, for the city, and then dropped with the original.
  const cityId = photo.city_id ?? (reply.gps ? ((await deps.cities.nearest(reply.gps.lat, reply.gps.lon))?.id ?? null) : null);
  const ready = await deps.db.tx(async (q) => {
    const done = await markReady(q, photoId, {
      width: reply.width,
      height: reply.height,
      thumbKey: reply.variants.thumb.key,
      displayKey: reply.variants.display.key,
      placeholder,
      cityId,
    });
    if (!done) {
      // Deleted (or failed) since the look above: nothing will ever refer to these files.
      await enqueue(q, 'blobs.purge', { media: keys, uploads: [] });
      return null;
    }
    await enqueue(q, 'photo.fanout', { photoId });
    await enqueue(q, 'notify', { userId: done.ownerId, type: 'photo.ready', photoId, key: `photo.ready:${photoId}` });
    await enqueue(q, 'badges.check', { userId: done.ownerId });
    await enqueueCaptionMentions(q, photoId);
    // For other services: committed with the photo's ready state, or not at all (features/events).
    const photoReady = await loadPhoto(q, photoId);
    if (photoReady) await recordEvent(q, 'photo.ready', { photo: photoReady });
    await enqueue(q, 'blobs.purge', { media: [], uploads: [photo.upload_key] });
    return done;
  });
  if (!ready) return;
  const published = await loadPhoto(deps.db, photoId);
  if (published) await deps.bus.publish(`user:${ready.ownerId}`, 'photo.processed', { photo: published });
}

function validSize(reply: Extract<ResizedReply, { ok: true }>): boolean {
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 100_000;
  return [reply.width, reply.height, reply.variants.display.width, reply.variants.display.height, reply.variants.thumb.width, reply.variants.thumb.height].every(ok);
}

async function fail(deps: PipelineDeps, photoId: string, reason: string): Promise<void> {
  const failed = await deps.db.tx(async (q) => {
    const done = await markFailed(q, photoId, reason);
    if (!done) return null;
    await enqueue(q, 'notify', { userId: done.ownerId, type: 'photo.failed', photoId, reason, key: `photo.failed:${photoId}` });
    if (done.uploadKey) await enqueue(q, 'blobs.purge', { media: [], uploads: [done.uploadKey] });
    return done;
  });
  if (failed) await deps.bus.publish(`user:${failed.ownerId}`, 'photo.failed', { id: photoId, reason });
}

/**
 * Publishes a ready photo on the public walls and writes it into its owner's and followers' home
 * timelines, a batch of followers per statement. Timeline rows and live events are each delivered
 * once. Progress is recorded after the events went out: the walls' by `published_at`, the homes'
 * by the mark `home_published_through` (migration 016), moved after each batch. A re-run after a
 * crash writes no row twice and publishes again to the readers past the mark, whose rows may be
 * there already (written, then killed before their events went out); the bus's dedupe key skips
 * the streams that got the event before the kill (within the replay window; past it, clients merge
 * by photo id). A batch's live events are published while the next batch is written (one batch in
 * flight), so the database and Redis work side by side instead of in turn.
 */
export async function fanout(deps: PipelineDeps, photoId: string): Promise<void> {
  const photo = await loadPhoto(deps.db, photoId);
  if (!photo || photo.status !== 'ready') return; // deleted meanwhile
  const [state] = await deps.db.query<{ published: boolean; through: string }>(
    `select published_at is not null as published, home_published_through::text as through from photos where id = $1`,
    [photoId],
  );
  if (!state) return;
  const dedupeKey = `photo.ready:${photoId}`;
  if (!state.published) {
    const tagWalls = (await photoTagNames(deps.db, photoId)).map((tag) => `tag:${tag}`);
    const walls = ['latest', `profile:${photo.owner.username}`, ...(photo.city ? [`city:${photo.city.slug}`] : []), ...tagWalls];
    await deps.bus.publishMany(walls, 'photo.ready', { photo }, { dedupeKey });
    await deps.db.query(`update photos set published_at = now() where id = $1`, [photoId]);
    await deps.social.countsChanged(photo.owner);
  }
  const through = BigInt(state.through);
  const markThrough = (last: bigint) =>
    deps.db.query(`update photos set home_published_through = greatest(home_published_through, $2::bigint) where id = $1`, [photoId, String(last)]);
  // The owner's own home comes with the first batch; follower ids are positive, so 0 marks it done.
  let after = '0';
  let first = true;
  let publishing: Promise<unknown> = Promise.resolve();
  for (;;) {
    const [batch] = await deps.db.query<{ last: string | null; readers: string[]; inserted: string[] }>(
      `with readers as (
         select follower_id as user_id from follows where followee_id = $1 and follower_id > $2::bigint
         order by follower_id limit $3),
       added as (
         insert into home_timeline (user_id, photo_id)
         select user_id, $4::bigint from readers union all select $1::bigint, $4::bigint where $2::bigint = 0
         on conflict do nothing returning user_id)
       select (select max(user_id) from readers)::text as last,
              array(select user_id::text from readers) as readers,
              array(select user_id::text from added) as inserted`,
      [photo.owner.id, after, FANOUT_BATCH, photoId],
    );
    const inserted = new Set(batch!.inserted);
    const targets = batch!.readers.filter((u) => BigInt(u) > through || inserted.has(u));
    if (first && (through < 0n || inserted.has(photo.owner.id))) targets.unshift(photo.owner.id);
    const done = batch!.last === null ? 0n : BigInt(batch!.last);
    await publishing; // the previous batch's events (and its mark): a failure stops the fan-out here, and the job is retried
    publishing = (targets.length > 0 ? deps.bus.publishMany(targets.map((u) => `home:${u}`), 'photo.ready', { photo }, { dedupeKey }) : Promise.resolve()).then(() =>
      done > through ? markThrough(done) : undefined,
    );
    publishing.catch(() => {}); // awaited above or below; this only keeps it from counting as unhandled meanwhile
    first = false;
    if (batch!.last === null) break;
    after = batch!.last;
  }
  await publishing;
}

/** Deletes the blobs that no photo refers to any more (two photos can share content), under their locks. */
async function purge(deps: PipelineDeps, keys: { media: string[]; uploads: string[] }): Promise<void> {
  await deps.db.tx(async (q) => {
    // Waits while a backup's snapshot still needs files it has not copied (migration 015).
    await q.query('lock table blob_purge_gate in share mode');
    await lockBlobs(q, [...keys.media, ...keys.uploads]);
    for (const key of await unreferencedKeys(q, keys.media, 'media')) await deps.media.delete(key);
    for (const key of await unreferencedKeys(q, keys.uploads, 'upload')) await deps.uploads.delete(key);
  });
}

/** Transaction-scoped locks per blob key, in a fixed order so two holders never deadlock. */
export async function lockBlobs(q: Queryable, keys: string[]): Promise<void> {
  for (const key of [...new Set(keys)].sort()) await q.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
