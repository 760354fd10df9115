import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { Nullable, PublicUserSchema } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { NotificationsService } from './notifications.service.js';

const NotificationSchema = Type.Object({
  id: Type.String(),
  type: Type.Union([
    Type.Literal('follow'),
    Type.Literal('like'),
    Type.Literal('photo.ready'),
    Type.Literal('photo.failed'),
    Type.Literal('badge'),
    Type.Literal('comment'),
    Type.Literal('mention'),
    Type.Literal('export.ready'),
    Type.Literal('message'),
    Type.Literal('moderation'),
    Type.Literal('webhook.disabled'),
  ]),
  actor: Nullable(PublicUserSchema),
  photo: Nullable(Type.Object({ id: Type.String(), thumb: Nullable(Type.String()) })),
  badge: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  comment: Nullable(Type.Object({ id: Type.String(), text: Type.String() }, { description: 'The comment, for `comment` and for `mention` in a comment.' })),
  export: Type.Optional(Nullable(Type.Object({ id: Type.String(), url: Type.String() }, { description: 'The data export, for `export.ready`: GET `url` (signed in as its owner) until it expires.' }))),
  conversation: Type.Optional(Nullable(Type.Object({ id: Type.String() }, { description: 'For `message`: the conversation the actor wrote in.' }))),
  removed: Type.Optional(
    Nullable(
      Type.Object(
        { type: Type.Union([Type.Literal('photo'), Type.Literal('comment'), Type.Literal('message')]) },
        { description: 'For `moderation`: what of yours a moderator removed; `reason` says why.' },
      ),
    ),
  ),
  read: Type.Boolean(),
  createdAt: Type.String(),
});

export function notificationsRoutes(app: AppInstance, notifications: NotificationsService): void {
  const tags = ['notifications'];

  app.get(
    '/api/notifications',
    {
      schema: {
        tags,
        querystring: PageQuery,
        response: { 200: Type.Object({ items: Type.Array(NotificationSchema), next: Nullable(Type.String()), unread: Type.Integer() }) },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { limit, before } = pageParams(req.query, idKey);
      const [rows, unread] = await Promise.all([
        notifications.list(req.viewer.id, before, limit + 1),
        notifications.unread(req.viewer.id),
      ]);
      return { ...toPage(rows, limit, (n) => ({ id: n.id })), unread };
    },
  );

  app.post('/api/notifications/read', { schema: { tags, summary: 'Marks every notification read.' } }, async (req, reply) => {
    if (!req.viewer) throw errors.unauthenticated();
    await notifications.markAllRead(req.viewer.id);
    return reply.code(204).send();
  });
}
