// Report rows: one open report per reporter and target (the partial unique index reports_open_once),
// the queue they make, and their resolution by a moderator's action.
import type { Queryable } from '../../ports/db.js';
import type { Report, ReportReason, ReportStatus, ReportTargetType } from '../../shared/community.js';

export interface ReportRow {
  id: string;
  reporter_id: string | null;
  target_type: ReportTargetType;
  target_id: string;
  target_user_id: string | null;
  reason: ReportReason;
  note: string;
  status: ReportStatus;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export const REPORT_COLUMNS = `r.id::text as id, r.reporter_id::text as reporter_id, r.target_type, r.target_id::text as target_id,
  r.target_user_id::text as target_user_id, r.reason, r.note, r.status, r.created_at, r.resolved_at, r.resolved_by::text as resolved_by`;

export function toReport(r: ReportRow): Report {
  return {
    id: r.id,
    target: { type: r.target_type, id: r.target_id },
    reason: r.reason,
    note: r.note,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

export interface NewReport {
  reporterId: string;
  type: ReportTargetType;
  targetId: string;
  targetUserId: string;
  reason: ReportReason;
  note: string;
}

/** Inserts an open report; null when the reporter has one open on this target already. */
export async function insertReport(q: Queryable, r: NewReport): Promise<ReportRow | null> {
  const [row] = await q.query<ReportRow>(
    `insert into reports as r (reporter_id, target_type, target_id, target_user_id, reason, note)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (reporter_id, target_type, target_id) where status = 'open' do nothing
     returning ${REPORT_COLUMNS}`,
    [r.reporterId, r.type, r.targetId, r.targetUserId, r.reason, r.note],
  );
  return row ?? null;
}

/** The reporter's open report on this target, if any. */
export async function findOpenReport(q: Queryable, reporterId: string, type: ReportTargetType, targetId: string): Promise<ReportRow | null> {
  const [row] = await q.query<ReportRow>(
    `select ${REPORT_COLUMNS} from reports r where r.reporter_id = $1 and r.target_type = $2 and r.target_id = $3 and r.status = 'open'`,
    [reporterId, type, targetId],
  );
  return row ?? null;
}

/** A report by id; `lock` holds its row until the transaction ends, so two actions on it take turns. */
export async function findReport(q: Queryable, id: string, lock = false): Promise<ReportRow | null> {
  const [row] = await q.query<ReportRow>(`select ${REPORT_COLUMNS} from reports r where r.id = $1${lock ? ' for update' : ''}`, [id]);
  return row ?? null;
}

/** Ids of one status's reports, for a page of the queue: open ones oldest first, resolved ones newest first. */
export async function pageReportIds(q: Queryable, status: ReportStatus, cursor: string | undefined, limit: number): Promise<string[]> {
  const forward = status === 'open';
  const rows = await q.query<{ id: string }>(
    `select id::text as id from reports
     where status = $1 and ($2::bigint is null or id ${forward ? '>' : '<'} $2::bigint)
     order by id ${forward ? 'asc' : 'desc'} limit $3`,
    [status, cursor ?? null, limit],
  );
  return rows.map((r) => r.id);
}

// Both resolutions lock the open rows in id order first: two actions that overlap (a removal and a
// suspension of the same author) then wait for each other instead of deadlocking.

/** Takes every open report of one target out of the queue; returns their ids. */
export async function resolveTargetReports(q: Queryable, type: ReportTargetType, targetId: string, status: Exclude<ReportStatus, 'open'>, actorId: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `with open as (select id from reports where target_type = $1 and target_id = $2 and status = 'open' order by id for update)
     update reports r set status = $3, resolved_at = now(), resolved_by = $4 from open where r.id = open.id returning r.id::text as id`,
    [type, targetId, status, actorId],
  );
  return rows.map((r) => r.id).sort(byId);
}

/** Takes every open report of a user or of anything they posted out of the queue; returns their ids. */
export async function resolveUserReports(q: Queryable, userId: string, status: Exclude<ReportStatus, 'open'>, actorId: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `with open as (select id from reports where target_user_id = $1 and status = 'open' order by id for update)
     update reports r set status = $2, resolved_at = now(), resolved_by = $3 from open where r.id = open.id returning r.id::text as id`,
    [userId, status, actorId],
  );
  return rows.map((r) => r.id).sort(byId);
}

function byId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
