// Blocking. A block works both ways: neither user sees the other's photos, comments, messages or
// presence (reads filter with visibility.ts, realtime delivery with the hub's exclusion rooms), the
// follows between them end, and neither can follow, like or comment on the other (BLOCKED). Each
// change reaches both users' tabs as `block.changed` and every instance as `user.blocks`.
import { AppError, errors } from '../../errors.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import type { PublicUser } from '../../shared/api.js';
import type { BlockedUser } from '../../shared/community.js';
import type { EventData } from '../../shared/realtime.js';
import type { Viewer } from '../accounts/viewer.js';
import { deleteFollow } from '../social/social.repo.js';
import type { SocialService } from '../social/social.service.js';
import { blockedBetween, countBlocking, deleteBlock, insertBlock, listBlocked, type BlockCursor } from './blocks.repo.js';

export const BLOCK_LIMITS = {
  /** Blocks and unblocks together, per user. */
  changesPerUser: { limit: 30, windowMs: 60_000 },
  /** How many users one person can block: each is in every read of theirs (visibility.ts). */
  maxBlocking: 5_000,
} as const;

export interface BlocksDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  social: SocialService;
  /**
   * The pair's visibility changed: this instance's directory and sockets follow at once, and every
   * other instance hears `user.blocks` on the sessions stream (app.ts). Never rejects.
   */
  onChanged(data: EventData['user.blocks']): Promise<void>;
}

export class BlocksService {
  constructor(private readonly deps: BlocksDeps) {}

  /** Idempotent: blocking someone already blocked changes nothing and says so again. */
  async block(viewer: Viewer, username: string): Promise<{ blocking: true }> {
    const target = await this.other(viewer, username);
    const done = await this.deps.db.tx(async (q) => {
      if (!(await insertBlock(q, viewer.id, target.id))) return null;
      if ((await countBlocking(q, viewer.id)) > BLOCK_LIMITS.maxBlocking) {
        throw errors.conflict(`You can block at most ${BLOCK_LIMITS.maxBlocking} people. Unblock someone first.`);
      }
      // Both follows go, in one order whoever blocks whom, so two people blocking each other at
      // once cannot deadlock on each other's rows.
      const [low, high] = BigInt(viewer.id) < BigInt(target.id) ? [viewer.id, target.id] : [target.id, viewer.id];
      const one = await deleteFollow(q, low, high);
      const other = await deleteFollow(q, high, low);
      return { unfollowed: one || other };
    });
    if (done) await this.announce(viewer, target, true, done.unfollowed);
    return { blocking: true };
  }

  /** Idempotent. The pair stays hidden from each other while the other one's block stands. */
  async unblock(viewer: Viewer, username: string): Promise<{ blocking: false }> {
    const target = await this.other(viewer, username);
    const done = await this.deps.db.tx(async (q) => {
      if (!(await deleteBlock(q, viewer.id, target.id))) return null;
      return { stillBlocked: await blockedBetween(q, viewer.id, target.id) };
    });
    if (done) await this.announce(viewer, target, done.stillBlocked, false);
    return { blocking: false };
  }

  list(viewer: Viewer, before: BlockCursor | undefined, limit: number): Promise<(BlockedUser & { cursor: BlockCursor })[]> {
    return listBlocked(this.deps.db, viewer.id, before, limit);
  }

  /** Someone else who exists, within the viewer's budget of changes. */
  private async other(viewer: Viewer, username: string): Promise<PublicUser> {
    const target = await this.deps.social.user(username);
    if (target.id === viewer.id) throw new AppError('SELF_BLOCK', 400, 'You cannot block yourself.');
    await enforceRate(this.deps.limiter, `blocks:${viewer.id}`, BLOCK_LIMITS.changesPerUser);
    return target;
  }

  /**
   * Instances first (what they deliver and read stops showing the pair to each other), then the two
   * users' tabs, which take each other's items off their screens; `blocked` is whether the pair is
   * still blocked either way. Counts follow when follows ended.
   */
  private async announce(viewer: Viewer, target: PublicUser, blocked: boolean, unfollowed: boolean): Promise<void> {
    const { bus } = this.deps;
    await this.deps.onChanged({ a: viewer.id, b: target.id, blocked });
    await bus.publish(`user:${viewer.id}`, 'block.changed', { userId: target.id, username: target.username, blocked });
    await bus.publish(`user:${target.id}`, 'block.changed', { userId: viewer.id, username: viewer.username, blocked });
    if (unfollowed) await this.deps.social.countsChanged(viewer, target);
  }
}
