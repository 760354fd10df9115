// `avatar.process`: crops an accepted avatar upload to its two square sizes and sets it, unless a
// newer upload or a removal overtook it meanwhile. Idempotent: blobs are content-addressed, and
// setting the avatar happens once (it clears the pending upload it matched).
import { enqueue } from '../../jobs/outbox.js';
import { blobKey, type BlobStore } from '../../ports/blobs.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import type { JobRunner } from '../../ports/jobs.js';
import { ImageRejected, processAvatar } from '../photos/images.js';
import { readAll } from '../photos/blob-read.js';
import { lockBlobs, sha256 } from '../photos/photos.pipeline.js';
import { isCurrentAvatarUpload, setAvatar } from './profiles.repo.js';
import { announceProfile } from './profiles.service.js';

export interface ProfileJobsDeps {
  db: Db;
  bus: RealtimeBus;
  media: BlobStore;
  uploads: BlobStore;
  log: { warn(obj: object, msg: string): void };
}

export const AVATAR_GAVE_UP = 'We could not use this picture. Please try another one.';

export function registerProfileJobs(runner: JobRunner, deps: ProfileJobsDeps): void {
  runner.handle('avatar.process', (job) => processAvatarUpload(deps, job.payload.userId, job.payload.uploadKey), {
    // The user waits on this one, and an image that fails to decode will not decode on a retry.
    onDead: (job, error) => {
      deps.log.warn({ userId: job.payload.userId, error }, 'avatar processing gave up');
      return giveUp(deps, job.payload.userId, job.payload.uploadKey, AVATAR_GAVE_UP);
    },
  });
}

export async function processAvatarUpload(deps: ProfileJobsDeps, userId: string, uploadKey: string): Promise<void> {
  const { db, media, uploads } = deps;
  if (!(await isCurrentAvatarUpload(db, userId, uploadKey))) return purgeUpload(deps, uploadKey);
  const original = await readAll(uploads, uploadKey);
  if (!original) return giveUp(deps, userId, uploadKey, AVATAR_GAVE_UP);
  let avatar;
  try {
    avatar = await processAvatar(original);
  } catch (err) {
    if (err instanceof ImageRejected) return giveUp(deps, userId, uploadKey, err.message);
    throw err;
  }
  const keys = { small: blobKey(sha256(avatar.small), 'webp'), large: blobKey(sha256(avatar.large), 'webp') };
  await media.put(keys.small, avatar.small);
  await media.put(keys.large, avatar.large);
  const change = await db.tx(async (q) => {
    // As a photo's variants: another user's avatar can be the same bytes, and a purge of theirs may
    // have removed the files since the writes above; none can once this commits.
    await lockBlobs(q, [keys.small, keys.large]);
    if (!(await media.stat(keys.small))) await media.put(keys.small, avatar.small);
    if (!(await media.stat(keys.large))) await media.put(keys.large, avatar.large);
    const done = await setAvatar(q, userId, uploadKey, keys);
    // Overtaken: the files written above may belong to nobody. Done: the old avatar may belong to nobody.
    await enqueue(q, 'blobs.purge', { media: done ? done.previous : [keys.small, keys.large], uploads: [uploadKey] });
    return done;
  });
  if (change) await announceProfile(deps.bus, change.user);
}

/** The upload cannot become an avatar: forget it (if it is still the pending one) and tell its owner why. */
async function giveUp(deps: ProfileJobsDeps, userId: string, uploadKey: string, reason: string): Promise<void> {
  const cleared = await deps.db.tx(async (q) => {
    const rows = await q.query(`update users set avatar_upload = null where id = $1 and avatar_upload = $2 returning 1`, [userId, uploadKey]);
    await enqueue(q, 'blobs.purge', { media: [], uploads: [uploadKey] });
    return rows.length > 0;
  });
  if (cleared) await deps.bus.publish(`user:${userId}`, 'avatar.failed', { reason });
}

async function purgeUpload(deps: ProfileJobsDeps, uploadKey: string): Promise<void> {
  await deps.db.tx((q) => enqueue(q, 'blobs.purge', { media: [], uploads: [uploadKey] }));
}
