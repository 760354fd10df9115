// The staff's API (admins and moderators; 401 signed out, 403 for anyone else): the queue, the
// actions on it, suspensions, and the audit log.
import type { FastifyRequest } from 'fastify';
import { idKey, pageParams, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import { requireStaff } from './staff.js';
import {
  ActionsQuery,
  DismissBody,
  ModerationActionSchema,
  ModerationItemSchema,
  QueueQuery,
  RemoveBody,
  ReportParams,
  ResultSchema,
  SuspendBody,
  SuspendReply,
  UserParams,
} from './moderation.schemas.js';
import { MODERATION_LIMITS, type ModerationService } from './moderation.service.js';

const RATE = `Rate limited per staff member: ${MODERATION_LIMITS.actionsPerStaff.limit} actions per ${MODERATION_LIMITS.actionsPerStaff.windowMs / 60_000} minutes.`;

/** 401/403 before the body is looked at: someone without the right learns nothing else. */
async function staffFirst(req: FastifyRequest): Promise<void> {
  requireStaff(req.viewer);
}

/** The reason is optional, and so is a body that would only carry it. */
async function emptyBodyIsNone(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

export function moderationRoutes(app: AppInstance, moderation: ModerationService): void {
  const tags = ['moderation'];

  app.get(
    '/api/moderation/reports',
    {
      schema: {
        tags,
        summary: 'The moderation queue: reports of one status (default open), each with its content, author, earlier reports and actions.',
        description:
          'Open reports come oldest first (the queue), resolved ones newest first. `?limit` (1 to 100, default 20) and `?before=<next>`. ' +
          'New reports arrive live as `report.created`, resolved ones leave as `report.resolved`, on the `moderation` stream.',
        querystring: QueueQuery,
        response: { 200: pageOf(ModerationItemSchema) },
      },
      preValidation: staffFirst,
    },
    async (req) => {
      requireStaff(req.viewer);
      const { limit, before } = pageParams(req.query, idKey);
      return toPage(await moderation.queue(req.query.status ?? 'open', before, limit + 1), limit, (item) => ({ id: item.report.id }));
    },
  );

  app.post(
    '/api/moderation/reports/:id/dismiss',
    {
      schema: {
        tags,
        summary: 'Dismiss a report: the open reports of its target leave the queue, nothing else changes.',
        description: `A report no longer open changes nothing (\`action: null\`). ${RATE}`,
        params: ReportParams,
        body: DismissBody,
        response: { 200: ResultSchema },
      },
      preValidation: [staffFirst, emptyBodyIsNone],
    },
    async (req) => moderation.dismiss(requireStaff(req.viewer), req.params.id, req.body?.reason),
  );

  app.post(
    '/api/moderation/reports/:id/remove',
    {
      schema: {
        tags,
        summary: 'Remove the reported photo, comment or chat message; its author is notified with the reason.',
        description:
          'Every open report of the same target is resolved. Content already gone resolves the reports and removes nothing. ' +
          `A reported user cannot be removed (400): suspend them. ${RATE}`,
        params: ReportParams,
        body: RemoveBody,
        response: { 200: ResultSchema },
      },
      preValidation: staffFirst,
    },
    async (req) => moderation.remove(requireStaff(req.viewer), req.params.id, req.body.reason),
  );

  app.post(
    '/api/moderation/users/:username/suspend',
    {
      schema: {
        tags,
        summary: 'Suspend a user until a time, or indefinitely (`until` null or absent).',
        description:
          'Their sessions and sockets end on every instance, they cannot sign in (403 SUSPENDED) and what they posted is hidden from others until it ends. ' +
          'Every open report of them or of anything they posted is resolved. Yourself: 400 SELF_SUSPEND; an admin: 403; a moderator, unless you are an admin: 403. ' +
          RATE,
        params: UserParams,
        body: SuspendBody,
        response: { 200: SuspendReply },
      },
      preValidation: staffFirst,
    },
    async (req) => moderation.suspend(requireStaff(req.viewer), req.params.username, req.body),
  );

  app.delete(
    '/api/moderation/users/:username/suspend',
    {
      schema: {
        tags,
        summary: 'Lift a suspension: the user can sign in again and what they posted shows again.',
        description: `Lifting when there is none changes nothing (\`action: null\`). ${RATE}`,
        params: UserParams,
        response: { 200: SuspendReply },
      },
      preValidation: staffFirst,
    },
    async (req) => moderation.lift(requireStaff(req.viewer), req.params.username),
  );

  app.get(
    '/api/moderation/actions',
    {
      schema: {
        tags,
        summary: 'The audit log: every moderation action (and role change) and who took it, newest first.',
        description: '`?user=<username>`: only the actions about that user. `?limit` (1 to 100, default 20) and `?before=<next>`.',
        querystring: ActionsQuery,
        response: { 200: pageOf(ModerationActionSchema) },
      },
      preValidation: staffFirst,
    },
    async (req) => {
      requireStaff(req.viewer);
      const { limit, before } = pageParams(req.query, idKey);
      return toPage(await moderation.actions(req.query.user, before, limit + 1), limit, (a) => ({ id: a.id }));
    },
  );
}
