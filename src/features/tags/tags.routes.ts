// A tag's feed (`GET /api/feeds/tag/:tag`) and the tag itself. A well-formed tag nobody has used
// (yet, or any more) is an empty feed, not a 404: a tag exists as soon as someone writes it, and
// a link to it must not break when its last photo is deleted.
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { Db } from '../../ports/db.js';
import type { Tag } from '../../shared/api.js';
import { PhotoSchema } from '../photos/photos.schemas.js';
import type { PhotosService } from '../photos/photos.service.js';
import { findTag } from './tags.repo.js';
import { TagParams, TagReply } from './tags.schemas.js';
import { normalizeTag, TAG_LIMITS } from './tags.text.js';

export function tagParam(raw: string): string {
  const tag = normalizeTag(raw);
  if (tag === null) throw errors.validation(`A tag is 1 to ${TAG_LIMITS.maxLength} letters, digits or underscores, like \`sunset\`.`);
  return tag;
}

export function tagsRoutes(app: AppInstance, deps: { db: Db; photos: PhotosService }): void {
  const tags = ['tags'];

  app.get(
    '/api/feeds/tag/:tag',
    {
      schema: {
        tags: ['photos', ...tags],
        summary: 'Ready photos whose caption has #tag, newest first; an unused tag gives an empty list.',
        params: TagParams,
        querystring: PageQuery,
        response: { 200: pageOf(PhotoSchema) },
      },
    },
    async (req) => {
      const name = tagParam(req.params.tag);
      const { limit, before } = pageParams(req.query, idKey);
      const tag = await findTag(deps.db, name);
      if (!tag) return { items: [], next: null };
      const rows = await deps.photos.feed({ kind: 'tag', tagId: tag.id }, req.viewer, before, limit + 1);
      return toPage(rows, limit, (p) => ({ id: p.id }));
    },
  );

  app.get(
    '/api/tags/:tag',
    { schema: { tags, summary: 'A tag and its count of ready photos (0 for a tag nobody uses).', params: TagParams, response: { 200: TagReply } } },
    async (req): Promise<{ tag: Tag }> => {
      const name = tagParam(req.params.tag);
      const tag = await findTag(deps.db, name);
      return { tag: { name, photos: tag?.photos ?? 0 } };
    },
  );
}
