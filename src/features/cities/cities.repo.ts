import type { Queryable } from '../../ports/db.js';
import type { City } from '../../shared/api.js';
import type { CityPoint } from './nearest.js';

interface CityRow {
  id: number;
  slug: string;
  name: string;
  country: string;
  photos_count: number;
}

const toCity = (r: CityRow): City => ({ slug: r.slug, name: r.name, country: r.country, photos: r.photos_count });

export async function findCity(q: Queryable, slug: string): Promise<(City & { id: number }) | null> {
  const [row] = await q.query<CityRow>(`select id, slug, name, country, photos_count from cities where slug = $1`, [slug]);
  return row ? { id: row.id, ...toCity(row) } : null;
}

/** Cities whose name starts with `prefix` (any case), biggest first. */
export async function searchCities(q: Queryable, prefix: string, limit: number): Promise<City[]> {
  const pattern = prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const rows = await q.query<CityRow>(
    `select id, slug, name, country, photos_count from cities where lower(name) like $1 order by population desc, id limit $2`,
    [pattern, limit],
  );
  return rows.map(toCity);
}

/** Cities that have photos, most photos first. */
export async function busyCities(q: Queryable, limit: number): Promise<City[]> {
  const rows = await q.query<CityRow>(
    `select id, slug, name, country, photos_count from cities where photos_count > 0 order by photos_count desc, id limit $1`,
    [limit],
  );
  return rows.map(toCity);
}

export async function cityPoints(q: Queryable): Promise<CityPoint[]> {
  return q.query<CityPoint>(`select id, slug, lat, lon, population from cities`);
}
