// The moderators' side: the queue, and the actions on it. Every action writes the audit log
// (moderation_actions), takes the reports it answers out of the queue and announces each as
// `report.resolved` on the `moderation` stream:
// - dismiss: the open reports of that target (the content was judged, not one report of it);
// - remove: the content goes (photo, comment or chat message, each announced where it showed) and
//   the open reports of that target are resolved; its author is notified with the reason;
// - suspend: every open report of that user or of anything they posted is resolved; their sessions
//   and sockets end on every instance and their content is hidden until the suspension ends;
// - lift: ends a suspension (nothing to resolve).
// Repeats are harmless: an action that changes nothing writes nothing and answers `action: null`.
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import type { PublicUser } from '../../shared/api.js';
import type { ModerationAction, ModerationItem, ModerationResult, ReportStatus } from '../../shared/community.js';
import type { EventData } from '../../shared/realtime.js';
import { sanitizeText } from '../../shared/text.js';
import type { Viewer } from '../accounts/viewer.js';
import { insertAction, listActions } from './actions.repo.js';
import { loadItems } from './items.js';
import { MODERATION_REASON_MAX } from './moderation.schemas.js';
import { MODERATION_STREAM } from './moderation.streams.js';
import { findReport, pageReportIds, resolveTargetReports, resolveUserReports } from './reports.repo.js';
import { findSuspendable, liftSuspension, setSuspension } from './suspensions.repo.js';
import { liveContentAuthor, removeChatMessage, type TargetRef } from './targets.repo.js';

export const MODERATION_LIMITS = {
  actionsPerStaff: { limit: 300, windowMs: 10 * 60_000 },
} as const;

export interface ModerationDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  /** Deletes a photo and tells every wall that showed it (PhotosService.remove). */
  removePhoto(id: string): Promise<void>;
  /** Deletes a comment and tells the photo's watchers; false when it was gone (CommentsService.remove). */
  removeComment(id: string): Promise<boolean>;
  sessions: { closeAllOf(userId: string): Promise<string[]> };
  /** Ends the user's sockets on every instance (app.ts endUserSessions). */
  onSessionsEnded(userId: string, exceptKey: string | null): void;
  /** This instance hides or shows the user's content at once; every other one hears `user.suspended`. Never rejects. */
  onSuspensionChanged(data: EventData['user.suspended']): Promise<void>;
  adminUsers: ReadonlySet<string>;
  log: { warn(obj: object, msg: string): void };
}

export interface SuspensionResult extends ModerationResult {
  user: PublicUser;
  suspended: boolean;
  /** When it ends; null is indefinitely (or none, when not suspended). */
  until: string | null;
}

export class ModerationService {
  constructor(private readonly deps: ModerationDeps) {}

  /** Open reports oldest first (the queue), resolved ones newest first. */
  async queue(status: ReportStatus, cursor: string | undefined, limit: number): Promise<ModerationItem[]> {
    return loadItems(this.deps.db, await pageReportIds(this.deps.db, status, cursor, limit));
  }

  /** The audit log, newest first; about one user when `username` is given. */
  async actions(username: string | undefined, beforeId: string | undefined, limit: number): Promise<ModerationAction[]> {
    let userId: string | null = null;
    if (username !== undefined) {
      const [row] = await this.deps.db.query<{ id: string }>(`select id::text as id from users where username = $1`, [username]);
      if (!row) throw errors.notFound('That user');
      userId = row.id;
    }
    return listActions(this.deps.db, userId, beforeId, limit);
  }

  async dismiss(staff: Viewer, reportId: string, rawReason: string | undefined): Promise<ModerationResult> {
    const reason = parseReason(rawReason, false);
    await this.admit(staff);
    const done = await this.deps.db.tx(async (q) => {
      const report = await findReport(q, reportId, true);
      if (!report) throw errors.notFound('The report');
      if (report.status !== 'open') return { action: null, resolved: [] };
      const target = { type: report.target_type, id: report.target_id };
      const resolved = await resolveTargetReports(q, target.type, target.id, 'dismissed', staff.id);
      const action = await insertAction(q, { actorId: staff.id, action: 'dismiss', target, targetUserId: report.target_user_id, reportId, reason });
      return { action, resolved };
    });
    await this.announceResolved(done.resolved, 'dismissed');
    return done;
  }

  /**
   * Removes the reported content; content gone already (its author deleted it, another moderator
   * removed it) still resolves the reports, and nothing else happens twice.
   */
  async remove(staff: Viewer, reportId: string, rawReason: string): Promise<ModerationResult> {
    const reason = parseReason(rawReason, true);
    await this.admit(staff);
    const report = await findReport(this.deps.db, reportId);
    if (!report) throw errors.notFound('The report');
    if (report.target_type === 'user') throw new AppError('BAD_REQUEST', 400, 'A user cannot be removed: suspend them instead.');
    const target = { type: report.target_type, id: report.target_id };
    const liveAuthor = await liveContentAuthor(this.deps.db, target);
    const authorId = liveAuthor ?? report.target_user_id;
    // The content first, in its own feature's transaction (which tells its streams); a failure after
    // it leaves the reports open, and a retry finds the content gone and resolves them.
    const removed = liveAuthor !== null && (await this.removeContent(target));
    const done = await this.deps.db.tx(async (q) => {
      const resolved = await resolveTargetReports(q, target.type, target.id, 'removed', staff.id);
      if (!removed && resolved.length === 0) return { action: null, resolved };
      const action = await insertAction(q, { actorId: staff.id, action: 'remove', target, targetUserId: authorId, reportId, reason });
      if (removed && authorId !== null) {
        await enqueue(q, 'notify', {
          userId: authorId,
          type: 'moderation',
          removedType: target.type as 'photo' | 'comment' | 'message',
          reason,
          key: `moderation:${target.type}:${target.id}`,
        });
      }
      return { action, resolved };
    });
    await this.announceResolved(done.resolved, 'removed');
    return done;
  }

  /** `until`: an ISO time in the future, or null for indefinitely. Suspending again replaces the end. */
  async suspend(staff: Viewer, username: string, input: { until?: string | null | undefined; reason: string; reportId?: string | undefined }): Promise<SuspensionResult> {
    const reason = parseReason(input.reason, true);
    const until = parseUntil(input.until);
    await this.admit(staff);
    if (username === staff.username) throw new AppError('SELF_SUSPEND', 400, 'You cannot suspend yourself.');
    const done = await this.deps.db.tx(async (q) => {
      const target = await findSuspendable(q, username, true);
      if (!target) throw errors.notFound('That user');
      if (target.isAdmin || this.deps.adminUsers.has(target.username)) throw errors.forbidden('Admins cannot be suspended: take away the admin role first.');
      if (target.isModerator && !staff.isAdmin) throw errors.forbidden('Only an admin can suspend a moderator.');
      if (input.reportId !== undefined) {
        const report = await findReport(q, input.reportId);
        if (!report) throw errors.notFound('The report');
        if (report.target_user_id !== target.user.id) throw errors.validation('`reportId` must be a report about this user or something they posted.');
      }
      await setSuspension(q, target.user.id, until ?? 'infinity', reason);
      const resolved = await resolveUserReports(q, target.user.id, 'suspended', staff.id);
      const action = await insertAction(q, {
        actorId: staff.id,
        action: 'suspend',
        target: { type: 'user', id: target.user.id },
        targetUserId: target.user.id,
        reportId: input.reportId ?? null,
        reason,
        until: until ?? 'infinity',
      });
      return { user: target.user, action, resolved };
    });
    // Committed: sign-in and every session's next request are refused from now on (the row says so);
    // what is open ends too, on every instance.
    await this.endSessions(done.user.id);
    await this.deps.onSuspensionChanged({ userId: done.user.id, until, lifted: false });
    await this.announceResolved(done.resolved, 'suspended');
    return { ...done, suspended: true, until };
  }

  async lift(staff: Viewer, username: string): Promise<SuspensionResult> {
    await this.admit(staff);
    const done = await this.deps.db.tx(async (q) => {
      const target = await findSuspendable(q, username, true);
      if (!target) throw errors.notFound('That user');
      if (!(await liftSuspension(q, target.user.id))) return { user: target.user, action: null };
      const action = await insertAction(q, { actorId: staff.id, action: 'unsuspend', target: { type: 'user', id: target.user.id }, targetUserId: target.user.id, reportId: null, reason: '' });
      return { user: target.user, action };
    });
    if (done.action) await this.deps.onSuspensionChanged({ userId: done.user.id, until: null, lifted: true });
    return { ...done, resolved: [], suspended: false, until: null };
  }

  /** True when this call removed the content (which was there a moment ago). */
  private async removeContent(target: TargetRef): Promise<boolean> {
    switch (target.type) {
      case 'photo':
        // Two moderators at once both count as removing it: the notification's key keeps it to one.
        await this.deps.removePhoto(target.id);
        return true;
      case 'comment':
        return this.deps.removeComment(target.id);
      case 'message': {
        const removed = await removeChatMessage(this.deps.db, target.id);
        if (!removed) return false;
        await this.deps.bus.publish(`chat:${removed.room}`, 'chat.deleted', { id: target.id, room: removed.room });
        return true;
      }
      default:
        return false;
    }
  }

  private async endSessions(userId: string): Promise<void> {
    try {
      await this.deps.sessions.closeAllOf(userId);
    } catch (err) {
      // Their sessions are refused anyway (the suspension is on the row); this only tidies the store.
      this.deps.log.warn({ err, userId }, "could not delete a suspended user's sessions");
    }
    this.deps.onSessionsEnded(userId, null);
  }

  private async admit(staff: Viewer): Promise<void> {
    await enforceRate(this.deps.limiter, `moderation:${staff.id}`, MODERATION_LIMITS.actionsPerStaff);
  }

  /** The actions committed: a page that misses these events finds the reports resolved on its next fetch. */
  private async announceResolved(ids: readonly string[], status: Exclude<ReportStatus, 'open'>): Promise<void> {
    for (const id of ids) {
      await this.deps.bus.publish(MODERATION_STREAM, 'report.resolved', { id, status }).catch((err: unknown) => {
        this.deps.log.warn({ err, reportId: id }, 'could not announce a resolved report to the moderators');
      });
    }
  }
}

function parseReason(raw: string | undefined, required: boolean): string {
  const reason = raw === undefined ? '' : sanitizeText(raw);
  if (required && reason.length === 0) throw errors.validation('`reason` is required: say why, in 1 to 500 characters.');
  if ([...reason].length > MODERATION_REASON_MAX) throw errors.validation(`\`reason\` is at most ${MODERATION_REASON_MAX} characters.`);
  return reason;
}

// Anchored, without nested quantifiers: linear on any input (the schema caps it at 40 characters too).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO time in the future, normalized; null for indefinitely. */
function parseUntil(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const ms = ISO_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw errors.validation('`until` must be an ISO 8601 time with a zone (2030-01-31T12:00:00Z), or null for indefinitely.');
  if (ms <= Date.now()) throw errors.validation('`until` must be in the future.');
  return new Date(ms).toISOString();
}
