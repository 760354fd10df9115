import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { pageOf, PublicUserSchema } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import { PhotoSchema } from '../photos/photos.schemas.js';
import type { PhotosService } from '../photos/photos.service.js';
import type { SocialService } from './social.service.js';

const UserParams = Type.Object({ username: Type.String({ maxLength: 100 }) });
const Counts = Type.Object({ photos: Type.Integer(), followers: Type.Integer(), following: Type.Integer() });
const ProfileReply = Type.Object({
  user: PublicUserSchema,
  counts: Counts,
  following: Type.Boolean(),
  badges: Type.Array(Type.Integer()),
  blocking: Type.Boolean({ description: 'Does the viewer block them (false signed out and on your own profile).' }),
});
const FollowReply = Type.Object({ following: Type.Boolean(), followers: Type.Integer() });

export function socialRoutes(app: AppInstance, deps: { social: SocialService; photos: PhotosService }): void {
  const tags = ['users'];

  app.get('/api/users/:username', { schema: { tags, params: UserParams, response: { 200: ProfileReply } } }, async (req) =>
    deps.social.profile(req.params.username, req.viewer),
  );

  app.get(
    '/api/users/:username/photos',
    { schema: { tags, params: UserParams, querystring: PageQuery, response: { 200: pageOf(PhotoSchema) } } },
    async (req) => {
      const user = await deps.social.user(req.params.username);
      const { limit, before } = pageParams(req.query, idKey);
      return toPage(await deps.photos.feed({ kind: 'profile', ownerId: user.id }, req.viewer, before, limit + 1), limit, (p) => ({ id: p.id }));
    },
  );

  app.put('/api/users/:username/follow', { schema: { tags, params: UserParams, response: { 200: FollowReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return deps.social.follow(req.viewer, req.params.username);
  });

  app.delete('/api/users/:username/follow', { schema: { tags, params: UserParams, response: { 200: FollowReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return deps.social.unfollow(req.viewer, req.params.username);
  });
}
