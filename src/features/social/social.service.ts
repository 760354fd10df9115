// Profiles and follows. Following is idempotent and never of oneself; every change of a count is
// pushed on both profiles' streams, and a new follower is notified through the job queue.
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type FollowResult, type Profile, type PublicUser } from '../../shared/api.js';
import { findUserByUsername } from '../accounts/accounts.repo.js';
import type { Viewer } from '../accounts/viewer.js';
import { blockedBetween, isBlocking } from '../blocks/blocks.repo.js';
import { recordEvent } from '../events/events.js';
import { publicFieldsOf, publicUser } from '../profiles/public-user.js';
import { badgesOf, deleteFollow, followerCount, insertFollow, isFollowing, profileCounts } from './social.repo.js';

export const SOCIAL_LIMITS = {
  /** Follows, unfollows, likes and unlikes together. */
  actionsPerUser: { limit: 60, windowMs: 60_000 },
} as const;

const USERNAME = new RegExp(LIMITS.usernamePattern);

export class SocialService {
  constructor(private readonly deps: { db: Db; bus: RealtimeBus; limiter: RateLimiter }) {}

  async user(username: string): Promise<PublicUser> {
    const row = USERNAME.test(username) ? await findUserByUsername(this.deps.db, username) : null;
    if (!row) throw errors.notFound(`The user "${username.slice(0, 40)}"`);
    return publicUser(row);
  }

  async profile(username: string, viewer: Viewer | null): Promise<Profile> {
    const user = await this.user(username);
    const other = viewer !== null && viewer.id !== user.id;
    const [counts, following, badges, blocking] = await Promise.all([
      profileCounts(this.deps.db, user.id),
      other ? isFollowing(this.deps.db, viewer.id, user.id) : false,
      badgesOf(this.deps.db, user.id),
      other ? isBlocking(this.deps.db, viewer.id, user.id) : false,
    ]);
    return { user, counts, following, badges, blocking };
  }

  async follow(viewer: Viewer, username: string): Promise<FollowResult> {
    const target = await this.followable(viewer, username);
    const { changed, followers } = await this.deps.db.tx(async (q) => {
      const changed = await insertFollow(q, viewer.id, target.id);
      if (changed) {
        await enqueue(q, 'notify', { userId: target.id, type: 'follow', actorId: viewer.id, key: `follow:${viewer.id}` });
        await recordEvent(q, 'user.followed', { follower: publicFieldsOf(viewer), followee: publicFieldsOf(target) });
      }
      return { changed, followers: await followerCount(q, target.id) };
    });
    if (changed) await this.countsChanged(target, viewer);
    return { following: true, followers };
  }

  async unfollow(viewer: Viewer, username: string): Promise<FollowResult> {
    const target = await this.followable(viewer, username);
    const { changed, followers } = await this.deps.db.tx(async (q) => ({
      changed: await deleteFollow(q, viewer.id, target.id),
      followers: await followerCount(q, target.id),
    }));
    if (changed) await this.countsChanged(target, viewer);
    return { following: false, followers };
  }

  /** The user a follow or unfollow is about: someone else, not in a block with the viewer, within the viewer's rate limit. */
  private async followable(viewer: Viewer, username: string): Promise<PublicUser> {
    const target = await this.user(username);
    if (target.id === viewer.id) throw new AppError('SELF_FOLLOW', 400, 'You cannot follow yourself.');
    if (await blockedBetween(this.deps.db, viewer.id, target.id)) throw errors.blocked('You cannot follow or unfollow someone you blocked or who blocked you.');
    await enforceRate(this.deps.limiter, `social:${viewer.id}`, SOCIAL_LIMITS.actionsPerUser);
    return target;
  }

  /** Pushes fresh counts to everyone watching these profiles. */
  async countsChanged(...users: { id: string; username: string }[]): Promise<void> {
    for (const u of users) {
      const counts = await profileCounts(this.deps.db, u.id);
      await this.deps.bus.publish(`profile:${u.username}`, 'profile.counts', { username: u.username, counts });
    }
  }
}
