import { Type } from '@fastify/type-provider-typebox';
import type { AppInstance } from '../../http/types.js';
import type { CitiesService } from './cities.service.js';

const CitySchema = Type.Object({ slug: Type.String(), name: Type.String(), country: Type.String(), photos: Type.Integer() });
const CitiesQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: '`q` is at most 100 characters.' })),
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '`limit` is a number from 1 to 100.' })),
});

export function citiesRoutes(app: AppInstance, cities: CitiesService): void {
  const tags = ['cities'];

  app.get(
    '/api/cities',
    {
      schema: {
        tags,
        summary: 'Cities whose name starts with `q`, biggest first; without `q`, the cities with the most photos.',
        querystring: CitiesQuery,
        response: { 200: Type.Object({ items: Type.Array(CitySchema), next: Type.Null() }) },
      },
    },
    async (req) => ({ items: await cities.search(req.query.q ?? '', Number(req.query.limit ?? 20)), next: null }),
  );

  app.get(
    '/api/cities/:slug',
    { schema: { tags, params: Type.Object({ slug: Type.String({ maxLength: 120 }) }), response: { 200: Type.Object({ city: CitySchema }) } } },
    async (req) => {
      const { slug, name, country, photos } = await cities.get(req.params.slug);
      return { city: { slug, name, country, photos } };
    },
  );
}
