// The accounts feature's jobs:
//
//   DELETE /api/me ─► account.delete   photos (through PhotosService.remove: files purged, every wall
//                                      told), comments, likes, follows, notifications, home rows,
//                                      badges, exports, sessions; then the row becomes a tombstone
//   POST /api/me/export ─► account.export ─► notify (export.ready)
//
// Deletion works in batches, each its own transaction, and each batch removes whole things (a photo
// with its home rows, a like with its photo's count): a crash between batches leaves nothing
// half-deleted, and the retried job (or a redelivery) carries on with whatever is left. The user row
// was marked deleted in the request's transaction, so nothing new can be added meanwhile.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { enqueue } from '../../jobs/outbox.js';
import { blobKey, type BlobStore } from '../../ports/blobs.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import type { JobRunner } from '../../ports/jobs.js';
import { SESSIONS_STREAM } from '../../realtime/socket-sessions.js';
import type { PhotosService } from '../photos/photos.service.js';
import type { SocialService } from '../social/social.service.js';
import { EXPORT_TTL_MS } from './accounts.settings.js';
import type { Sessions } from './sessions.js';

/** Rows per deletion batch: small enough that a batch's transaction and live events stay short. */
export const DELETE_BATCH = 100;

export interface AccountJobsDeps {
  db: Db;
  bus: RealtimeBus;
  sessions: Sessions;
  photos: PhotosService;
  social: SocialService;
  media: BlobStore;
  uploads: BlobStore;
  scratchDir?: string;
  log: { warn(obj: object, msg: string): void };
  /** Rows per batch (tests make it small). */
  batch?: number;
  /** Called after every committed deletion batch, with what it deleted (tests interrupt here). */
  afterBatch?: (phase: string) => void | Promise<void>;
}

export function registerAccountJobs(runner: JobRunner, deps: AccountJobsDeps): { stop(): void } {
  runner.handle('account.delete', (job) => deleteAccountData(deps, job.payload.userId), {
    // Every step is retried from where it stopped; one that still fails after all attempts needs a
    // person: the account stays signed out and off every feed, and an admin can retry the dead job.
    onDead: async (job, error) => deps.log.warn({ userId: job.payload.userId, error }, 'account deletion gave up; retry it from the admin page'),
  });
  runner.handle(
    'account.export',
    async (job) => {
      await purgeExpiredExports(deps);
      await buildExport(deps, job.payload.exportId);
    },
    {
      // The user is waiting on it: say it failed rather than leave it pending for ever.
      onDead: async (job, error) => {
        deps.log.warn({ exportId: job.payload.exportId, error }, 'account export gave up');
        await deps.db.query(`update account_exports set status = 'failed' where id = $1 and status = 'pending'`, [job.payload.exportId]);
      },
    },
  );
  // Expired exports go within the hour even when nobody asks for a new one.
  const timer = setInterval(() => {
    purgeExpiredExports(deps).catch((err: unknown) => deps.log.warn({ err }, 'could not purge expired exports'));
  }, 3_600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The `account.delete` job. Idempotent and resumable: every step deletes what is left. */
export async function deleteAccountData(deps: AccountJobsDeps, userId: string): Promise<void> {
  const { db } = deps;
  const [user] = await db.query<{ username: string | null; deleted_at: Date | null }>('select username, deleted_at from users where id = $1', [userId]);
  if (!user?.deleted_at || user.username === null) return; // not being deleted, or done
  const size = deps.batch ?? DELETE_BATCH;
  const step = async (phase: string) => deps.afterBatch?.(phase);

  // Sessions: ended at the request already; again in case that instance could not reach the store.
  if ((await deps.sessions.closeAllOf(userId)).length > 0) await publishSessionsEnded(deps.bus, userId);

  // Photos, as a delete by their owner would (PhotosService.remove): the walls that showed them are told.
  for (;;) {
    const rows = await db.query<{ id: string }>('select id from photos where owner_id = $1 order by id limit $2', [userId, size]);
    if (rows.length === 0) break;
    for (const { id } of rows) await deps.photos.remove(id, { countsChanged: false });
    await step('photos');
  }

  // Comments on anyone's photos; the photos' counts follow (a trigger, migration 007).
  for (;;) {
    const gone = await db.tx(async (q) => {
      const deleted = await q.query<{ id: string; photo_id: string }>(
        `delete from comments where id in (select id from comments where user_id = $1 order by id limit $2) returning id, photo_id`,
        [userId, size],
      );
      const counts = await q.query<{ id: string; comments_count: number }>('select id, comments_count from photos where id = any($1::bigint[])', [
        [...new Set(deleted.map((d) => d.photo_id))],
      ]);
      return { deleted, counts: new Map(counts.map((c) => [c.id, c.comments_count])) };
    });
    if (gone.deleted.length === 0) break;
    for (const c of gone.deleted) {
      await deps.bus.publish(`photo:${c.photo_id}`, 'comment.deleted', { id: c.id, photoId: c.photo_id, comments: gone.counts.get(c.photo_id) ?? 0 });
    }
    await step('comments');
  }

  // Likes, each with its photo's count, in one transaction.
  for (;;) {
    const changed = await db.tx(async (q) => {
      const deleted = await q.query<{ photo_id: string }>(
        `delete from likes where user_id = $1 and photo_id in (select photo_id from likes where user_id = $1 order by photo_id limit $2) returning photo_id`,
        [userId, size],
      );
      if (deleted.length === 0) return [];
      return q.query<{ id: string; likes_count: number }>(
        'update photos set likes_count = likes_count - 1 where id = any($1::bigint[]) returning id, likes_count',
        [deleted.map((d) => d.photo_id)],
      );
    });
    if (changed.length === 0) break;
    for (const p of changed) await deps.bus.publish(`photo:${p.id}`, 'photo.liked', { id: p.id, likes: p.likes_count });
    await step('likes');
  }

  // Follows both ways; the other side's counts are pushed on their profiles.
  for (;;) {
    const others = await db.tx(async (q) => {
      const deleted = await q.query<{ follower_id: string; followee_id: string }>(
        `delete from follows where (follower_id, followee_id) in (
           (select follower_id, followee_id from follows where follower_id = $1 limit $2)
           union all
           (select follower_id, followee_id from follows where followee_id = $1 limit $2))
         returning follower_id, followee_id`,
        [userId, size],
      );
      const ids = [...new Set(deleted.map((f) => (f.follower_id === userId ? f.followee_id : f.follower_id)))];
      return q.query<{ id: string; username: string }>('select id, username from users where id = any($1::bigint[]) and username is not null', [ids]);
    });
    if (others.length === 0) {
      // Rows may have pointed at users with no username left (another deleted account): none remain now.
      const [left] = await db.query('select 1 from follows where follower_id = $1 or followee_id = $1 limit 1', [userId]);
      if (!left) break;
      continue;
    }
    await deps.social.countsChanged(...others);
    await step('follows');
  }

  // What is the user's only: notifications (theirs, and those they caused), home rows, badges.
  await deleteInBatches(deps, 'notifications', `delete from notifications where id in (select id from notifications where user_id = $1 or actor_id = $1 limit $2)`, userId, size);
  await deleteInBatches(deps, 'home', `delete from home_timeline where (user_id, photo_id) in (select user_id, photo_id from home_timeline where user_id = $1 limit $2)`, userId, size);
  await db.query('delete from user_badges where user_id = $1', [userId]);

  // Exports: the files, then their rows.
  for (const e of await db.query<{ id: string; blob_key: string | null }>('select id, blob_key from account_exports where user_id = $1', [userId])) {
    if (e.blob_key) await deps.uploads.delete(e.blob_key);
    await db.query('delete from account_exports where id = $1', [e.id]);
  }

  // The tombstone: chat messages keep their author's id; the username is held (username_holds). The
  // profile goes with it, and the avatar's files once nothing else refers to them.
  await db.tx(async (q) => {
    const [tomb] = await q.query<{ avatar_small: string | null; avatar_large: string | null; avatar_upload: string | null }>(
      'select avatar_small, avatar_large, avatar_upload from users where id = $1 and deleted_at is not null for update',
      [userId],
    );
    await q.query(
      `update users set username = null, password_hash = null, display_name = null, bio = '', avatar_small = null, avatar_large = null, avatar_upload = null
       where id = $1 and deleted_at is not null`,
      [userId],
    );
    const media = [tomb?.avatar_small, tomb?.avatar_large].filter((k): k is string => !!k);
    const uploads = tomb?.avatar_upload ? [tomb.avatar_upload] : [];
    if (media.length > 0 || uploads.length > 0) await enqueue(q, 'blobs.purge', { media, uploads });
  });
}

async function deleteInBatches(deps: AccountJobsDeps, phase: string, sql: string, userId: string, size: number): Promise<void> {
  for (;;) {
    const rows = await deps.db.query(`${sql} returning 1`, [userId, size]);
    if (rows.length === 0) return;
    await deps.afterBatch?.(phase);
  }
}

async function publishSessionsEnded(bus: RealtimeBus, userId: string): Promise<void> {
  await bus.publish(SESSIONS_STREAM, 'user.sessions-ended', { userId, except: null });
}

/** Where an export's zip is kept: derived from its id, so a retried build overwrites its own file. */
export function exportBlobKey(exportId: string): string {
  return blobKey(createHash('sha256').update(`strobe-account-export:${exportId}`).digest('hex'), 'zip');
}

/** The `account.export` job: a zip of the user's data and display images, then `export.ready`. */
export async function buildExport(deps: AccountJobsDeps, exportId: string): Promise<void> {
  const { db } = deps;
  const [exp] = await db.query<{ user_id: string; status: string }>(
    `select e.user_id, e.status from account_exports e join users u on u.id = e.user_id where e.id = $1 and u.deleted_at is null`,
    [exportId],
  );
  if (!exp || exp.status !== 'pending') return; // done already, or the account is gone
  const userId = exp.user_id;
  const [profile] = await db.query<{ id: string; username: string; display_name: string | null; bio: string; avatar_large: string | null; is_admin: boolean; created_at: Date }>(
    'select id, username, display_name, bio, avatar_large, is_admin, created_at from users where id = $1',
    [userId],
  );
  const photos = await db.query<{
    id: string;
    caption: string;
    status: string;
    city: string | null;
    likes_count: number;
    created_at: Date;
    display_key: string | null;
  }>(
    `select p.id, p.caption, p.status, c.name as city, p.likes_count, p.created_at, p.display_key
     from photos p left join cities c on c.id = p.city_id where p.owner_id = $1 order by p.id`,
    [userId],
  );
  const comments = await db.query<{ id: string; photo_id: string; body: string; created_at: Date }>(
    'select id, photo_id, body, created_at from comments where user_id = $1 order by id',
    [userId],
  );
  const following = await db.query<{ username: string; created_at: Date }>(
    `select u.username, f.created_at from follows f join users u on u.id = f.followee_id where f.follower_id = $1 and u.username is not null order by f.created_at`,
    [userId],
  );
  const followers = await db.query<{ username: string; created_at: Date }>(
    `select u.username, f.created_at from follows f join users u on u.id = f.follower_id where f.followee_id = $1 and u.username is not null order by f.created_at`,
    [userId],
  );
  const likes = await db.query<{ photo_id: string; created_at: Date }>('select photo_id, created_at from likes where user_id = $1 order by created_at', [userId]);
  const notifications = await db.query<{ id: string; type: string; actor: string | null; photo_id: string | null; badge: number | null; reason: string | null; read: boolean; created_at: Date }>(
    `select n.id, n.type, a.username as actor, n.photo_id, n.badge, n.reason, n.read_at is not null as read, n.created_at
     from notifications n left join users a on a.id = n.actor_id where n.user_id = $1 order by n.id`,
    [userId],
  );

  const zip = new ZipFile();
  const json = (name: string, value: unknown) => zip.addBuffer(Buffer.from(JSON.stringify(value, null, 2) + '\n'), name);
  const imageOf = (p: { id: string; display_key: string | null }) => (p.display_key ? `photos/${p.id}.webp` : null);
  const p = profile!;
  const avatar = p.avatar_large ? await deps.media.get(p.avatar_large) : null;
  json('profile.json', {
    id: p.id,
    username: p.username,
    displayName: p.display_name ?? p.username,
    bio: p.bio,
    avatar: avatar ? 'avatar.webp' : null,
    isAdmin: p.is_admin,
    createdAt: p.created_at.toISOString(),
  });
  if (avatar) zip.addReadStream(avatar.body, 'avatar.webp');
  json(
    'photos.json',
    photos.map((p) => ({ id: p.id, caption: p.caption, status: p.status, city: p.city, likes: p.likes_count, createdAt: p.created_at.toISOString(), image: imageOf(p) })),
  );
  json('comments.json', comments.map((c) => ({ id: c.id, photoId: c.photo_id, text: c.body, createdAt: c.created_at.toISOString() })));
  json('follows.json', {
    following: following.map((f) => ({ username: f.username, since: f.created_at.toISOString() })),
    followers: followers.map((f) => ({ username: f.username, since: f.created_at.toISOString() })),
  });
  json('likes.json', likes.map((l) => ({ photoId: l.photo_id, createdAt: l.created_at.toISOString() })));
  json(
    'notifications.json',
    notifications.map((n) => ({ id: n.id, type: n.type, actor: n.actor, photoId: n.photo_id, badge: n.badge, reason: n.reason, read: n.read, createdAt: n.created_at.toISOString() })),
  );
  for (const p of photos) {
    const name = imageOf(p);
    const blob = p.display_key ? await deps.media.get(p.display_key) : null;
    if (name && blob) zip.addReadStream(blob.body, name);
  }
  zip.end();

  const file = join(deps.scratchDir ?? tmpdir(), `export-${exportId}-${process.pid}.zip`);
  try {
    await pipeline(zip.outputStream, createWriteStream(file));
    const key = exportBlobKey(exportId);
    await deps.uploads.put(key, { path: file });
    const size = (await deps.uploads.stat(key))?.size ?? null;
    await db.tx(async (q) => {
      const [ready] = await q.query(
        `update account_exports set status = 'ready', blob_key = $2, size = $3, ready_at = now(), expires_at = now() + make_interval(secs => $4)
         where id = $1 and status = 'pending' returning 1`,
        [exportId, key, size, EXPORT_TTL_MS / 1000],
      );
      if (ready) await enqueue(q, 'notify', { userId, type: 'export.ready', exportId, key: `export.ready:${exportId}` });
    });
  } finally {
    await rm(file, { force: true });
  }
}

/** Deletes expired exports, their files first. */
export async function purgeExpiredExports(deps: Pick<AccountJobsDeps, 'db' | 'uploads'>): Promise<number> {
  const expired = await deps.db.query<{ id: string; blob_key: string | null }>('select id, blob_key from account_exports where expires_at <= now() order by id limit 1000');
  for (const e of expired) {
    if (e.blob_key) await deps.uploads.delete(e.blob_key);
    await deps.db.query('delete from account_exports where id = $1', [e.id]);
  }
  return expired.length;
}
