// The moderation queue's entries (ModerationItem): a report with who made it, the reported content
// as it is now, its author and their suspension, earlier reports of the same target and earlier
// actions about the author. A page of them costs a fixed number of queries, whatever its length.
import type { Queryable } from '../../ports/db.js';
import type { ModerationItem, Report } from '../../shared/community.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';
import { recentActionsOf } from './actions.repo.js';
import { REPORT_COLUMNS, toReport, type ReportRow } from './reports.repo.js';
import { goneContent, loadContents } from './targets.repo.js';

/** How many earlier reports and earlier actions an item carries. */
export const HISTORY_PER_ITEM = 10;

/** The joined users come as `rpt_*` (reporter), `rsv_*` (resolver) and `aut_*` (author); an id is null when that account is gone for good. */
interface ItemRow extends ReportRow {
  rpt_id: string | null;
  rsv_id: string | null;
  aut_id: string | null;
  suspended: boolean;
  suspended_until: Date | null;
}

/** The items of these reports, in the order of `ids` (ids that match no report are left out). */
export async function loadItems(q: Queryable, ids: readonly string[]): Promise<ModerationItem[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<ItemRow>(
    `select ${REPORT_COLUMNS}, ${publicUserColumns('rep', 'rpt')}, ${publicUserColumns('res', 'rsv')}, ${publicUserColumns('tu', 'aut')},
            coalesce(tu.suspended_until > now(), false) as suspended,
            case when tu.suspended_until > now() then nullif(tu.suspended_until, 'infinity') end as suspended_until
     from reports r
     left join users rep on rep.id = r.reporter_id
     left join users res on res.id = r.resolved_by
     left join users tu on tu.id = r.target_user_id
     where r.id = any($1::bigint[])`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ordered = ids.map((id) => byId.get(id)).filter((r): r is ItemRow => r !== undefined);
  // One after the other: `q` may be a transaction, which runs one query at a time anyway.
  const contents = await loadContents(q, ordered.map((r) => ({ type: r.target_type, id: r.target_id })));
  const earlier = await earlierReports(q, ordered.map((r) => r.id));
  const actions = await recentActionsOf(q, ordered.flatMap((r) => (r.aut_id ? [r.aut_id] : [])), HISTORY_PER_ITEM);
  return ordered.map((r) => {
    const target = { type: r.target_type, id: r.target_id };
    return {
      report: {
        ...toReport(r),
        reporter: r.rpt_id === null ? null : publicUserAs(r, 'rpt'),
        resolvedBy: r.rsv_id === null ? null : publicUserAs(r, 'rsv'),
        resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
      },
      content: {
        ...(contents.get(`${r.target_type}:${r.target_id}`) ?? goneContent(target)),
        author: r.aut_id === null ? null : publicUserAs(r, 'aut'),
      },
      earlier: earlier.get(r.id) ?? [],
      actions: (r.aut_id && actions.get(r.aut_id)) || [],
      suspended: r.suspended,
      suspendedUntil: r.suspended_until ? r.suspended_until.toISOString() : null,
    };
  });
}

/** For each report, the newest reports of the same target made before it. */
async function earlierReports(q: Queryable, ids: readonly string[]): Promise<Map<string, Report[]>> {
  const out = new Map<string, Report[]>();
  if (ids.length === 0) return out;
  const rows = await q.query<ReportRow & { for_id: string }>(
    `select o.id::text as for_id, e.* from unnest($1::bigint[]) as x(id)
     join reports o on o.id = x.id
     cross join lateral (
       select ${REPORT_COLUMNS} from reports r
       where r.target_type = o.target_type and r.target_id = o.target_id and r.id < o.id
       order by r.id desc limit $2) e`,
    [ids, HISTORY_PER_ITEM],
  );
  for (const r of rows) out.set(r.for_id, [...(out.get(r.for_id) ?? []), toReport(r)]);
  return out;
}
