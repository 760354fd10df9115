// Blocking over HTTP: PUT/DELETE /api/users/:username/block and GET /api/me/blocks.
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { pageOf, PublicUserSchema } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { BlockCursor } from './blocks.repo.js';
import { BLOCK_LIMITS, type BlocksService } from './blocks.service.js';

const UserParams = Type.Object({ username: Type.String({ maxLength: 100 }) });
const BlockReply = Type.Object({ blocking: Type.Boolean({ description: 'Does the viewer block them now.' }) });
const BlockedUserSchema = Type.Object({ user: PublicUserSchema, createdAt: Type.String({ description: 'When the viewer blocked them.' }) });

const WHAT_A_BLOCK_DOES =
  'A block works both ways: neither of you sees the other’s photos, comments, chat messages or presence, the follows between you end, ' +
  'and neither can follow, like or comment on the other (403 BLOCKED). Both of you get `block.changed` on the `user` stream.';

export function blocksRoutes(app: AppInstance, blocks: BlocksService): void {
  const tags = ['blocks'];

  app.put(
    '/api/users/:username/block',
    {
      schema: {
        tags,
        summary: 'Block a user (idempotent).',
        description: `${WHAT_A_BLOCK_DOES} Yourself: 400 SELF_BLOCK. At most ${BLOCK_LIMITS.maxBlocking} people (409). Rate limited with unblocking.`,
        params: UserParams,
        response: { 200: BlockReply },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      return blocks.block(req.viewer, req.params.username);
    },
  );

  app.delete(
    '/api/users/:username/block',
    {
      schema: {
        tags,
        summary: 'Unblock a user (idempotent). You stay hidden from each other while their own block of you stands.',
        params: UserParams,
        response: { 200: BlockReply },
      },
    },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      return blocks.unblock(req.viewer, req.params.username);
    },
  );

  app.get(
    '/api/me/blocks',
    { schema: { tags, summary: 'The people you blocked, most recent first.', querystring: PageQuery, response: { 200: pageOf(BlockedUserSchema) } } },
    async (req) => {
      if (!req.viewer) throw errors.unauthenticated();
      const { limit, before } = pageParams(req.query, blockKey);
      const rows = await blocks.list(req.viewer, before, limit + 1);
      const page = toPage(rows, limit, (b) => b.cursor);
      return { items: page.items.map(({ user, createdAt }) => ({ user, createdAt })), next: page.next };
    },
  );
}

function blockKey(raw: unknown): BlockCursor | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { at, id } = raw as { at?: unknown; id?: unknown };
  return typeof at === 'string' && /^\d{1,17}$/.test(at) && typeof id === 'string' && /^\d{1,18}$/.test(id) ? { at, id } : undefined;
}
