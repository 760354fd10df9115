// Words for reports and actions, shared by the report dialog and the moderation page.
import type { ModerationActionType, ReportReason, ReportTargetType } from '../../../src/shared/community.js';

export const REASONS: { value: ReportReason; label: string; hint: string }[] = [
  { value: 'spam', label: 'Spam', hint: 'Ads, scams, the same thing over and over' },
  { value: 'harassment', label: 'Harassment', hint: 'Bullying, threats, hate' },
  { value: 'nudity', label: 'Nudity', hint: 'Sexual content' },
  { value: 'violence', label: 'Violence', hint: 'Gore, cruelty, glorifying harm' },
  { value: 'illegal', label: 'Illegal', hint: 'Something against the law' },
  { value: 'other', label: 'Something else', hint: 'Say what in the note' },
];

export function reasonLabel(reason: ReportReason): string {
  return REASONS.find((r) => r.value === reason)?.label ?? reason;
}

export const TARGET_NAMES: Record<ReportTargetType, string> = { photo: 'photo', comment: 'comment', message: 'chat message', user: 'user' };

export const ACTION_NAMES: Record<ModerationActionType, string> = {
  dismiss: 'dismissed a report',
  remove: 'removed',
  suspend: 'suspended',
  unsuspend: 'lifted the suspension of',
  role: 'changed the role of',
};

/** The suspension lengths on offer; null is indefinitely. */
export const DURATIONS: { label: string; ms: number | null }[] = [
  { label: '1 day', ms: 24 * 3600_000 },
  { label: '7 days', ms: 7 * 24 * 3600_000 },
  { label: '30 days', ms: 30 * 24 * 3600_000 },
  { label: 'Indefinitely', ms: null },
];

const untilFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "until 12 Mar 2030, 14:00", or "indefinitely". */
export function untilLabel(until: string | null): string {
  return until === null ? 'indefinitely' : `until ${untilFormat.format(new Date(until))}`;
}
