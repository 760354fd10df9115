import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import type { AppInstance } from '../../http/types.js';
import type { ChatService } from './chat.service.js';
import { pageOf } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';
import { CreateRoomBody, MessageSchema, PresenceReply, RoomParams, RoomSchema } from './chat.schemas.js';

const ROOM = new RegExp(LIMITS.roomPattern);

export function chatRoutes(app: AppInstance, chat: ChatService): void {
  const tags = ['chat'];

  app.get('/api/chat/rooms', { schema: { tags, querystring: PageQuery, response: { 200: pageOf(RoomSchema) } } }, async (req) => {
    // A cursor is a room name; a forged one (a NUL, say) is a 400 like any bad cursor, not a query.
    const { limit, before } = pageParams(req.query, (k) => (typeof k === 'string' && ROOM.test(k) ? k : undefined), 100);
    return toPage(await chat.rooms(before, limit + 1), limit, (r) => r.name);
  });

  app.post('/api/chat/rooms', { schema: { tags, body: CreateRoomBody, response: { 201: RoomSchema } } }, async (req, reply) => {
    if (!req.viewer) throw errors.unauthenticated();
    return reply.code(201).send(await chat.createRoom(req.viewer, req.body.name));
  });

  app.get(
    '/api/chat/rooms/:room/messages',
    { schema: { tags, params: RoomParams, querystring: PageQuery, response: { 200: pageOf(MessageSchema) } } },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { limit, before } = pageParams(req.query, idKey, 50);
      return toPage(await chat.history(req.viewer, req.params.room, before, limit + 1), limit, (m) => ({ id: m.id }));
    },
  );

  app.get(
    '/api/chat/rooms/:room/presence',
    { schema: { tags, params: RoomParams, response: { 200: PresenceReply } } },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      return { items: await chat.present(req.viewer, req.params.room) };
    },
  );
}
