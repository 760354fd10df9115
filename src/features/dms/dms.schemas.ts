import { Type } from '@fastify/type-provider-typebox';
import { Nullable, PublicUserSchema } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';
import { UNREAD_CAP } from './dms.repo.js';

const Id = (description: string) => Type.String({ pattern: '^[0-9]{1,18}$', description });

export const ConversationParams = Type.Object({ id: Id('Conversation ids are numbers.') });

export const DirectMessageSchema = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  user: PublicUserSchema,
  text: Type.String({ description: 'Plain text, sanitized like chat; never HTML.' }),
  kind: Type.Union([Type.Literal('text'), Type.Literal('action')], { description: '`action` for a `/me` line (its text without `/me`).' }),
  createdAt: Type.String(),
});

export const ConversationSchema = Type.Object({
  id: Type.String(),
  /** The other member; `[deleted]` once their account is deleted. */
  with: PublicUserSchema,
  lastMessage: Nullable(DirectMessageSchema),
  unread: Type.Integer({ description: `Messages from the other member after the viewer's read marker (counted up to ${UNREAD_CAP}).` }),
  readUpTo: Nullable(Type.String({ description: "The other member's read marker: the newest message id they have read; null: none." })),
  createdAt: Type.String(),
});

export const ConversationReply = Type.Object({ conversation: ConversationSchema });
export const MessageReply = Type.Object({ message: DirectMessageSchema });

export const ConversationsPage = Type.Object({
  items: Type.Array(ConversationSchema),
  next: Nullable(Type.String()),
  unread: Type.Integer({ description: 'Unread messages in all of the viewer’s conversations.' }),
});

export const OpenConversationBody = Type.Object(
  { username: Type.String({ maxLength: 100, description: 'Who to talk with.' }) },
  { additionalProperties: false },
);

export const SendMessageBody = Type.Object(
  {
    text: Type.String({
      // The limit is checked after sanitizing; this bound only refuses absurd bodies early.
      maxLength: LIMITS.chatTextMax * 4,
      description: `1 to ${LIMITS.chatTextMax} characters after sanitizing; \`/me does something\` makes an action.`,
    }),
    clientId: Type.String({
      minLength: 1,
      maxLength: LIMITS.clientIdMax,
      description: `Required: 1 to ${LIMITS.clientIdMax} characters, unique per message. A retry with the same one returns the first message.`,
    }),
  },
  { additionalProperties: false },
);

export const ReadBody = Type.Object({ upTo: Id('The newest message id the viewer has read.') }, { additionalProperties: false });

export const ReadReply = Type.Object({
  conversationId: Type.String(),
  readUpTo: Nullable(Type.String({ description: "The viewer's marker after the call." })),
  unread: Type.Integer({ description: 'Still unread in this conversation.' }),
  total: Type.Integer({ description: 'Unread in all of the viewer’s conversations.' }),
});
