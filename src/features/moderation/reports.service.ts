// Reports, as members make them: one open report per reporter and target (a repeat answers the open
// one), of something the reporter can see and did not post, rate limited per reporter. Each new
// report reaches the staff's open moderation pages as `report.created` on the `moderation` stream.
import { AppError, errors } from '../../errors.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import type { Report, ReportReason } from '../../shared/community.js';
import { sanitizeText } from '../../shared/text.js';
import type { Viewer } from '../accounts/viewer.js';
import { loadItems } from './items.js';
import { REPORT_NOTE_MAX } from './moderation.schemas.js';
import { MODERATION_STREAM } from './moderation.streams.js';
import { findOpenReport, insertReport, toReport } from './reports.repo.js';
import { reportableAuthor, type TargetRef } from './targets.repo.js';

export const REPORT_LIMITS = {
  /** Every attempt counts, found or not, so the endpoint cannot be used to probe for ids either. */
  reportsPerUser: { limit: 10, windowMs: 10 * 60_000 },
} as const;

const WHAT: Record<TargetRef['type'], string> = { photo: 'The photo', comment: 'The comment', message: 'The message', user: 'The user' };

export interface ReportsDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  log: { warn(obj: object, msg: string): void };
}

export interface NewReportInput {
  target: TargetRef;
  reason: ReportReason;
  note?: string | undefined;
}

export class ReportsService {
  constructor(private readonly deps: ReportsDeps) {}

  /** `created` is false when the reporter's open report of this target was answered instead. */
  async create(viewer: Viewer, input: NewReportInput): Promise<{ report: Report; created: boolean }> {
    const { db } = this.deps;
    const note = parseNote(input.note);
    const { target } = input;
    await enforceRate(this.deps.limiter, `reports:${viewer.id}`, REPORT_LIMITS.reportsPerUser);
    const authorId = await reportableAuthor(db, target, viewer.id);
    if (authorId === null) throw errors.notFound(WHAT[target.type]);
    if (authorId === viewer.id) {
      throw new AppError('SELF_REPORT', 400, target.type === 'user' ? 'You cannot report yourself.' : 'You cannot report something you posted: delete it instead.');
    }
    // Twice at most: a conflict means an open report committed meanwhile, which may have been
    // resolved again before it could be read (then a new one is in order).
    for (let attempt = 0; attempt < 2; attempt++) {
      const open = await findOpenReport(db, viewer.id, target.type, target.id);
      if (open) return { report: toReport(open), created: false };
      const row = await insertReport(db, { reporterId: viewer.id, type: target.type, targetId: target.id, targetUserId: authorId, reason: input.reason, note });
      if (!row) continue;
      await this.announce(row.id);
      return { report: toReport(row), created: true };
    }
    throw errors.conflict('Your report of this collided with a moderator’s action. Try again.');
  }

  /** The report is stored whatever happens here: a page that missed it finds it on its next fetch. */
  private async announce(id: string): Promise<void> {
    try {
      const [item] = await loadItems(this.deps.db, [id]);
      if (item) await this.deps.bus.publish(MODERATION_STREAM, 'report.created', item);
    } catch (err) {
      this.deps.log.warn({ err, reportId: id }, 'could not announce a new report to the moderators');
    }
  }
}

function parseNote(raw: string | undefined): string {
  if (raw === undefined) return '';
  const note = sanitizeText(raw);
  if ([...note].length > REPORT_NOTE_MAX) throw errors.validation(`\`note\` is at most ${REPORT_NOTE_MAX} characters.`);
  return note;
}
