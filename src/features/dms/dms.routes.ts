// Private messages over HTTP. Every route needs a session; the rights are in dms.service.ts.
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { ConversationCursor } from './dms.repo.js';
import {
  ConversationParams,
  ConversationReply,
  ConversationsPage,
  DirectMessageSchema,
  MessageReply,
  OpenConversationBody,
  ReadBody,
  ReadReply,
  SendMessageBody,
} from './dms.schemas.js';
import { DM_LIMITS, type DmsService } from './dms.service.js';

const RIGHTS =
  'Members only: anyone else gets 404 (a conversation’s existence is never told). A block between the two, either way: 403 BLOCKED. ' +
  'The other member suspended: 404 until the suspension is lifted.';

export function dmsRoutes(app: AppInstance, dms: DmsService): void {
  const tags = ['messages'];

  app.post(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: 'Open the conversation with a user: 201 with a new one, 200 with the existing one.',
        description:
          'One conversation per pair. Yourself: 400 SELF_MESSAGE. A user who does not exist, is deleted or suspended: 404. ' +
          `A block either way: 403 BLOCKED. Rate limited (${DM_LIMITS.opensPerUser.limit} per ${DM_LIMITS.opensPerUser.windowMs / 60_000} minutes).`,
        body: OpenConversationBody,
        response: { 200: ConversationReply, 201: ConversationReply },
      },
    },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { conversation, created } = await dms.open(req.viewer, req.body.username);
      return reply.code(created ? 201 : 200).send({ conversation });
    },
  );

  app.get(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: "The viewer's conversations: unread ones first, then by their last message; with the unread total.",
        description:
          'Conversations without messages yet, and those with someone in a block with the viewer or suspended, are left out. ' +
          '`?limit` (1 to 100, default 20) and `?before=<next>`. Live: `dm.unread` on the `user` stream after every message and read.',
        querystring: PageQuery,
        response: { 200: ConversationsPage },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { limit, before } = pageParams(req.query, conversationKey);
      const { rows, unread } = await dms.list(req.viewer, before, limit + 1);
      const page = toPage(rows, limit, (r) => r.cursor);
      return { items: page.items.map((r) => r.conversation), next: page.next, unread };
    },
  );

  app.get(
    '/api/conversations/:id',
    { schema: { tags, summary: 'One conversation.', description: RIGHTS, params: ConversationParams, response: { 200: ConversationReply } } },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      return { conversation: await dms.get(req.viewer, req.params.id) };
    },
  );

  app.get(
    '/api/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: "A conversation's messages, newest first.",
        description: `${RIGHTS} \`?limit\` (1 to 100, default 50) and \`?before=<next>\`. New messages arrive live as \`dm.message\` on \`dm:<id>\`.`,
        params: ConversationParams,
        querystring: PageQuery,
        response: { 200: pageOf(DirectMessageSchema) },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { limit, before } = pageParams(req.query, idKey, 50);
      return toPage(await dms.history(req.viewer, req.params.id, before, limit + 1), limit, (m) => ({ id: m.id }));
    },
  );

  app.post(
    '/api/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message: 201 with it, or 200 with the first one when this `clientId` was used before (nothing is sent again, unless the first try stored it but could not publish it: then it is published now).',
        description:
          `${RIGHTS} The other member’s account deleted: 410 GONE. A \`clientId\` used in another conversation: 409. ` +
          `Rate limited (${DM_LIMITS.messagesPerUser.limit} per ${DM_LIMITS.messagesPerUser.windowMs / 1000} s). The socket request \`dm:send\` does the same.`,
        params: ConversationParams,
        body: SendMessageBody,
        response: { 200: MessageReply, 201: MessageReply },
      },
    },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { message, created } = await dms.send(req.viewer, req.params.id, req.body);
      return reply.code(created ? 201 : 200).send({ message });
    },
  );

  app.post(
    '/api/conversations/:id/read',
    {
      schema: {
        tags,
        summary: "Move the viewer's read marker forward to `upTo` (never back, never past the last message).",
        description: `${RIGHTS} Publishes \`dm.read\` on \`dm:<id>\` and \`dm.unread\` on the viewer's \`user\` stream when the marker moved.`,
        params: ConversationParams,
        body: ReadBody,
        response: { 200: ReadReply },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      return dms.read(req.viewer, req.params.id, req.body.upTo);
    },
  );
}

/** `{u: 0 | 1, m: <last message id>}`: unread first, then newest last message. */
function conversationKey(raw: unknown): ConversationCursor | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { u, m } = raw as { u?: unknown; m?: unknown };
  if ((u !== 0 && u !== 1) || typeof m !== 'string' || !/^\d{1,18}$/.test(m)) return undefined;
  return { u, m };
}
