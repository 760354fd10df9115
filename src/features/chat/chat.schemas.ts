import { Type } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';

export const RoomName = Type.String({
  pattern: LIMITS.roomPattern,
  description: 'Room names are 1 to 40 characters: lowercase letters, digits and hyphens.',
});

export const RoomParams = Type.Object({ room: Type.String({ maxLength: 100 }) });
export const CreateRoomBody = Type.Object({ name: RoomName }, { additionalProperties: false });

export const RoomSchema = Type.Object({ name: Type.String(), createdAt: Type.String() });

export const MessageSchema = Type.Object({
  id: Type.String(),
  room: Type.String(),
  user: PublicUserSchema,
  text: Type.String(),
  kind: Type.Union([Type.Literal('text'), Type.Literal('action')]),
  createdAt: Type.String(),
});

export const PresenceReply = Type.Object({ items: Type.Array(PublicUserSchema) });
