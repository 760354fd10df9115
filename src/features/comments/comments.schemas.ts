import { Type } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';

export const CommentSchema = Type.Object({
  id: Type.String(),
  photoId: Type.String(),
  user: PublicUserSchema,
  text: Type.String({ description: 'Plain text, sanitized like chat; never HTML.' }),
  createdAt: Type.String(),
});

export const CommentReply = Type.Object({ comment: CommentSchema });

export const CreateCommentBody = Type.Object(
  {
    text: Type.String({
      // The limit is checked after sanitizing; this bound only refuses absurd bodies early.
      maxLength: LIMITS.commentTextMax * 4,
      description: `\`text\` is 1 to ${LIMITS.commentTextMax} characters after sanitizing.`,
    }),
    clientId: Type.String({
      minLength: 1,
      maxLength: LIMITS.clientIdMax,
      description: `\`clientId\` is required: a string of 1 to ${LIMITS.clientIdMax} characters, unique per comment. A retry with the same one returns the first comment.`,
    }),
  },
  { additionalProperties: false },
);

export const CommentParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$', description: 'Comment ids are numbers.' }) });

/** Comments are listed oldest first, so the cursor points forward. */
export const CommentsQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '`limit` is a number from 1 to 100.' })),
  after: Type.Optional(Type.String({ maxLength: 500, description: '`after` must be a cursor from a previous page (its `next`).' })),
});
