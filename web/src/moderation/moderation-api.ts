// Reports and moderation over HTTP (POST /api/reports, /api/moderation/*).
import type { Page, PublicUser } from '../../../src/shared/api.js';
import type { ModerationAction, ModerationItem, ModerationResult, Report, ReportReason, ReportTargetType } from '../../../src/shared/community.js';
import { api, withQuery } from '../lib/api.js';

export function sendReport(target: { type: ReportTargetType; id: string }, reason: ReportReason, note: string): Promise<{ report: Report }> {
  return api('POST', '/api/reports', { target, reason, ...(note ? { note } : {}) });
}

export function fetchQueue(before: string | null, limit = 50): Promise<Page<ModerationItem>> {
  return api('GET', withQuery('/api/moderation/reports', { status: 'open', limit, before }));
}

export function dismissReport(id: string): Promise<ModerationResult> {
  return api('POST', `/api/moderation/reports/${encodeURIComponent(id)}/dismiss`, {});
}

export function removeReported(id: string, reason: string): Promise<ModerationResult> {
  return api('POST', `/api/moderation/reports/${encodeURIComponent(id)}/remove`, { reason });
}

export interface SuspensionResult extends ModerationResult {
  user: PublicUser;
  suspended: boolean;
  until: string | null;
}

/** `until` null: indefinitely. */
export function suspendUser(username: string, until: string | null, reason: string, reportId?: string): Promise<SuspensionResult> {
  return api('POST', `/api/moderation/users/${encodeURIComponent(username)}/suspend`, { until, reason, ...(reportId ? { reportId } : {}) });
}

export function liftSuspension(username: string): Promise<SuspensionResult> {
  return api('DELETE', `/api/moderation/users/${encodeURIComponent(username)}/suspend`);
}

export function fetchActions(before: string | null, user?: string): Promise<Page<ModerationAction>> {
  return api('GET', withQuery('/api/moderation/actions', { limit: 50, before, user }));
}
