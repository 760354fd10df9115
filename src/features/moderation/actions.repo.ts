// The audit log (moderation_actions): every moderator's action, and who took it. Role changes are
// written here too (features/staff), as action `role`.
import type { Queryable } from '../../ports/db.js';
import type { ModerationAction, ModerationActionType, ReportTargetType } from '../../shared/community.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';

interface ActionRow {
  id: string;
  action: ModerationActionType;
  target_type: ReportTargetType | null;
  target_id: string | null;
  report_id: string | null;
  reason: string;
  until: Date | null;
  created_at: Date;
  /** The joined users' ids (null when the account is gone for good, or none was named). */
  actor_id: string | null;
  tu_id: string | null;
}

// 'infinity' (a suspension without end) reads as null: `until` is null for "indefinitely".
const ACTION_SELECT = `
  select a.id::text as id, a.action, a.target_type, a.target_id::text as target_id, a.report_id::text as report_id, a.reason,
         nullif(a.until, 'infinity') as until, a.created_at, ${publicUserColumns('ac', 'actor')}, ${publicUserColumns('tu', 'tu')}
  from moderation_actions a left join users ac on ac.id = a.actor_id left join users tu on tu.id = a.target_user_id`;

function toAction(r: ActionRow): ModerationAction {
  return {
    id: r.id,
    action: r.action,
    actor: r.actor_id === null ? null : publicUserAs(r, 'actor'),
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
    targetUser: r.tu_id === null ? null : publicUserAs(r, 'tu'),
    reportId: r.report_id,
    reason: r.reason,
    until: r.until ? r.until.toISOString() : null,
    createdAt: r.created_at.toISOString(),
  };
}

export interface NewAction {
  actorId: string;
  action: Exclude<ModerationActionType, 'role'>;
  target: { type: ReportTargetType; id: string } | null;
  targetUserId: string | null;
  reportId: string | null;
  reason: string;
  /** For `suspend`: an ISO time, or 'infinity'. */
  until?: string | null;
}

export async function insertAction(q: Queryable, a: NewAction): Promise<ModerationAction> {
  const [row] = await q.query<{ id: string }>(
    `insert into moderation_actions (actor_id, action, target_type, target_id, target_user_id, report_id, reason, until)
     values ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz) returning id::text as id`,
    [a.actorId, a.action, a.target?.type ?? null, a.target?.id ?? null, a.targetUserId, a.reportId, a.reason, a.until ?? null],
  );
  const [action] = await q.query<ActionRow>(`${ACTION_SELECT} where a.id = $1`, [row!.id]);
  return toAction(action!);
}

/** Newest first, older than `beforeId`; only those about one user when `userId` is given. */
export async function listActions(q: Queryable, userId: string | null, beforeId: string | undefined, limit: number): Promise<ModerationAction[]> {
  const rows = await q.query<ActionRow>(
    `${ACTION_SELECT} where ($1::bigint is null or a.target_user_id = $1::bigint) and ($2::bigint is null or a.id < $2::bigint)
     order by a.id desc limit $3`,
    [userId, beforeId ?? null, limit],
  );
  return rows.map(toAction);
}

/** The newest `per` actions about each of these users, keyed by user id. */
export async function recentActionsOf(q: Queryable, userIds: readonly string[], per: number): Promise<Map<string, ModerationAction[]>> {
  const out = new Map<string, ModerationAction[]>();
  if (userIds.length === 0) return out;
  const rows = await q.query<ActionRow>(
    `select x.* from unnest($1::bigint[]) as u(id)
     cross join lateral (${ACTION_SELECT} where a.target_user_id = u.id order by a.id desc limit $2) x`,
    [[...new Set(userIds)], per],
  );
  for (const r of rows) {
    const action = toAction(r);
    if (r.tu_id !== null) out.set(r.tu_id, [...(out.get(r.tu_id) ?? []), action]);
  }
  return out;
}
