// POST /api/reports: any signed-in user reports a photo, a comment, a chat message or a user.
import { errors } from '../../errors.js';
import type { AppInstance } from '../../http/types.js';
import { CreateReportBody, ReportReply } from './moderation.schemas.js';
import { REPORT_LIMITS, type ReportsService } from './reports.service.js';

export function reportsRoutes(app: AppInstance, reports: ReportsService): void {
  app.post(
    '/api/reports',
    {
      schema: {
        tags: ['moderation'],
        summary: 'Report something to the moderators: 201 with the new report, or 200 with your open report of the same target.',
        description:
          'The target must exist and be visible to you (404 NOT_FOUND otherwise); reporting yourself or what you posted is 400 SELF_REPORT. ' +
          `Rate limited: ${REPORT_LIMITS.reportsPerUser.limit} per ${REPORT_LIMITS.reportsPerUser.windowMs / 60_000} minutes (429 RATE_LIMITED). ` +
          'Staff see it at once in the queue (`report.created` on the `moderation` stream).',
        body: CreateReportBody,
        response: { 200: ReportReply, 201: ReportReply },
      },
      // 401 before the body is looked at.
      preValidation: async (req) => {
        if (!req.viewer) throw errors.unauthenticated();
      },
    },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { report, created } = await reports.create(req.viewer, req.body);
      return reply.code(created ? 201 : 200).send({ report });
    },
  );
}
