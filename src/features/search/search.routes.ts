import { Type } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import { TagSchema } from '../tags/tags.schemas.js';
import { SEARCH_LIMITS, type SearchService } from './search.service.js';

const CitySchema = Type.Object({ slug: Type.String(), name: Type.String(), country: Type.String(), photos: Type.Integer() });

export const SearchQuery = Type.Object({
  q: Type.String({
    minLength: 1,
    maxLength: SEARCH_LIMITS.qMax,
    description: '`q` is 1 to 100 characters: the start of a username, a tag (`#` optional) or a city name.',
  }),
});

export const SearchReply = Type.Object({
  users: Type.Array(PublicUserSchema, { maxItems: SEARCH_LIMITS.perKind }),
  tags: Type.Array(TagSchema, { maxItems: SEARCH_LIMITS.perKind }),
  cities: Type.Array(CitySchema, { maxItems: SEARCH_LIMITS.perKind }),
});

export function searchRoutes(app: AppInstance, search: SearchService): void {
  app.get(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        summary:
          'Users (by username), tags (with their photo counts) and cities (with theirs) whose name starts with `q`, at most 10 of each. ' +
          'A leading `#` searches tags only, a leading `@` users only.',
        querystring: SearchQuery,
        response: { 200: SearchReply },
      },
    },
    async (req) => search.search(req.query.q, req.viewer),
  );
}
