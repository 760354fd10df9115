// Notifications: stored once per dedupe key, pushed live on the user's private stream, listed with
// an unread count. Badges for upload milestones are notifications too.
import { enqueue } from '../../jobs/outbox.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import type { NotifyPayload } from '../../ports/jobs.js';
import { LIMITS, type Notification } from '../../shared/api.js';
import { NOBODY_HIDDEN, type HiddenAuthors } from '../blocks/visibility.js';
import { awardBadge, badgeState, insertNotification, listNotifications, markAllRead, unreadCount } from './notifications.repo.js';

export class NotificationsService {
  /** `hidden`: whose notifications each user must not see (blocks, suspensions); nobody's when left out (tests). */
  constructor(private readonly deps: { db: Db; bus: RealtimeBus; hidden?: HiddenAuthors }) {}

  async list(userId: string, beforeId: string | undefined, limit: number): Promise<Notification[]> {
    const hidden = await (this.deps.hidden ?? NOBODY_HIDDEN).hiddenFor(userId);
    return listNotifications(this.deps.db, userId, beforeId, limit, hidden);
  }

  unread(userId: string): Promise<number> {
    return unreadCount(this.deps.db, userId);
  }

  markAllRead(userId: string): Promise<void> {
    return markAllRead(this.deps.db, userId);
  }

  /** The `notify` job. Idempotent: a redelivery finds the stored row and pushes nothing. */
  async deliver(n: NotifyPayload): Promise<void> {
    const stored = await insertNotification(this.deps.db, n);
    if (stored) await this.deps.bus.publish(`user:${n.userId}`, 'notification', stored);
  }

  /** The `badges.check` job: awards every milestone reached and not yet held, each once. */
  async checkBadges(userId: string): Promise<void> {
    await this.deps.db.tx(async (q) => {
      const { photos, badges } = await badgeState(q, userId);
      for (const milestone of LIMITS.badges) {
        if (photos < milestone || badges.includes(milestone)) continue;
        if (await awardBadge(q, userId, milestone)) {
          await enqueue(q, 'notify', { userId, type: 'badge', badge: milestone, key: `badge:${milestone}` });
        }
      }
    });
  }
}
