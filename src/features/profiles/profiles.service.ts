// Profiles: a display name, a bio and an avatar. An avatar upload is checked at once (type, size,
// pixels) and cropped by a job (profiles.jobs.ts); every change reaches open pages live through
// `profile.updated` (see announceProfile).
import { errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type PublicUser } from '../../shared/api.js';
import { sanitizeText } from '../../shared/text.js';
import { SESSIONS_STREAM } from '../../realtime/socket-sessions.js';
import type { Viewer } from '../accounts/viewer.js';
import { keepImageUpload } from '../photos/keep-upload.js';
import type { ReceivedUpload } from '../photos/upload.js';
import { requestAvatar, setAvatar, updateProfile } from './profiles.repo.js';

export const PROFILE_LIMITS = {
  /** Profile edits and avatar uploads together, per user. */
  changesPerUser: { limit: 30, windowMs: 10 * 60_000 },
} as const;

export interface ProfilesDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  uploads: BlobStore;
}

export class ProfilesService {
  constructor(private readonly deps: ProfilesDeps) {}

  async update(viewer: Viewer, input: { displayName?: unknown; bio?: unknown }): Promise<PublicUser> {
    const displayName = input.displayName === undefined ? undefined : parseDisplayName(input.displayName);
    const bio = input.bio === undefined ? undefined : parseBio(input.bio);
    if (displayName === undefined && bio === undefined) throw errors.validation('Send `displayName`, `bio` or both.');
    await this.admitChange(viewer);
    const user = await updateProfile(this.deps.db, viewer.id, { displayName, bio });
    if (!user) throw errors.unauthenticated();
    await announceProfile(this.deps.bus, user);
    return user;
  }

  /** Called before the body is read, so a refused upload costs no disk. */
  async admitChange(viewer: Viewer): Promise<void> {
    await enforceRate(this.deps.limiter, `profile:${viewer.id}`, PROFILE_LIMITS.changesPerUser);
  }

  /** Checks the upload like a photo's, keeps it, and leaves the crop to the `avatar.process` job. */
  async acceptAvatar(viewer: Viewer, upload: ReceivedUpload): Promise<void> {
    const key = await keepImageUpload(this.deps.uploads, upload.file, '`file` is required: attach an image.');
    const accepted = await this.deps.db.tx(async (q) => {
      const requested = await requestAvatar(q, viewer.id, key);
      if (!requested) return false;
      await enqueue(q, 'avatar.process', { userId: viewer.id, uploadKey: key });
      return true;
    });
    if (!accepted) {
      await this.deps.uploads.delete(key);
      throw errors.unauthenticated();
    }
  }

  async removeAvatar(viewer: Viewer): Promise<PublicUser> {
    await this.admitChange(viewer);
    const change = await this.deps.db.tx(async (q) => {
      const done = await setAvatar(q, viewer.id, null, null);
      if (!done) return null;
      const uploads = done.cancelledUpload ? [done.cancelledUpload] : [];
      if (done.previous.length > 0 || uploads.length > 0) await enqueue(q, 'blobs.purge', { media: done.previous, uploads });
      return done;
    });
    if (!change) throw errors.unauthenticated();
    await announceProfile(this.deps.bus, change.user);
    return change.user;
  }
}

/**
 * Tells everyone who shows this user: their profile page and their own tabs (`profile.updated`),
 * and every instance (`user.profile` on the internal sessions stream), which refreshes the user's
 * open sockets and forgets the copy it keeps for feeds.
 */
export async function announceProfile(bus: RealtimeBus, user: PublicUser): Promise<void> {
  await bus.publishMany([`profile:${user.username}`, `user:${user.id}`], 'profile.updated', { user });
  await bus.publish(SESSIONS_STREAM, 'user.profile', { user });
}

/** One line, 1 to 50 characters once cleaned. */
function parseDisplayName(raw: unknown): string {
  if (typeof raw !== 'string') throw errors.validation('`displayName` must be a string.');
  const name = sanitizeText(raw).replace(/\s+/g, ' ');
  const length = [...name].length;
  if (length < 1 || length > LIMITS.displayNameMax) throw errors.validation(`Display names are 1 to ${LIMITS.displayNameMax} characters.`);
  return name;
}

/** Up to 300 characters once cleaned; empty clears it. */
function parseBio(raw: unknown): string {
  if (typeof raw !== 'string') throw errors.validation('`bio` must be a string.');
  const bio = sanitizeText(raw);
  if ([...bio].length > LIMITS.bioMax) throw errors.validation(`A bio is at most ${LIMITS.bioMax} characters.`);
  return bio;
}
