import type { FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import { idKey, pageParams, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import { PhotoParams } from '../photos/photos.schemas.js';
import { CommentParams, CommentReply, CommentSchema, CommentsQuery, CreateCommentBody } from './comments.schemas.js';
import type { CommentsService } from './comments.service.js';

export function commentsRoutes(app: AppInstance, comments: CommentsService): void {
  const tags = ['comments'];

  app.get(
    '/api/photos/:id/comments',
    {
      schema: {
        tags,
        summary: "A ready photo's comments, oldest first.",
        description:
          'Cursor pagination forward in time: `?limit` (1 to 100, default 50) and `?after=<next>` from the previous page; ' +
          '`next` is null on the last page. New comments arrive live as `comment.created` on the `photo:<id>` stream.',
        params: PhotoParams,
        querystring: CommentsQuery,
        response: { 200: pageOf(CommentSchema) },
      },
    },
    async (req) => {
      const { limit, after } = commentPage(req.query);
      return toPage(await comments.list(req.viewer, req.params.id, after, limit + 1), limit, (c) => ({ id: c.id }));
    },
  );

  app.post(
    '/api/photos/:id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a ready photo: 201 with the new comment, or 200 with the first one when this `clientId` was used before.',
        params: PhotoParams,
        body: CreateCommentBody,
        response: { 200: CommentReply, 201: CommentReply },
      },
      preValidation: refuseUnknownFields,
    },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { comment, created } = await comments.create(req.viewer, req.params.id, req.body);
      return reply.code(created ? 201 : 200).send({ comment });
    },
  );

  app.delete(
    '/api/comments/:id',
    { schema: { tags, summary: "Delete a comment: its author, the photo's owner or an admin.", params: CommentParams } },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      await comments.delete(req.viewer, req.params.id);
      return reply.code(204).send();
    },
  );
}

const COMMENT_FIELDS = new Set(Object.keys(CreateCommentBody.properties));

/**
 * Validation would drop unknown fields silently (Fastify's Ajv removes what `additionalProperties:
 * false` excludes); a comment with a field it does not take is refused instead, before anything runs.
 */
async function refuseUnknownFields(req: FastifyRequest): Promise<void> {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const unknown = Object.keys(body).find((k) => !COMMENT_FIELDS.has(k));
  if (unknown !== undefined) throw errors.validation(`\`${unknown.slice(0, 40)}\` is not a field of a comment: send \`text\` and \`clientId\` only.`);
}

function commentPage(query: { limit?: string; after?: string }): { limit: number; after: string | undefined } {
  try {
    const { limit, before } = pageParams({ limit: query.limit, before: query.after }, idKey, 50);
    return { limit, after: before };
  } catch (err) {
    if (query.after !== undefined && err instanceof Error && err.message.startsWith('`before`')) {
      throw errors.validation('`after` must be a cursor from a previous page.');
    }
    throw err;
  }
}
