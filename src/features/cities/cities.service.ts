// Cities: lookup by slug, autocomplete, the busiest cities, and the nearest city to a GPS position.
import { errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import { LIMITS, type City } from '../../shared/api.js';
import { busyCities, cityPoints, findCity, searchCities } from './cities.repo.js';
import { CityIndex } from './nearest.js';

const SLUG = new RegExp(LIMITS.citySlugPattern);

export class CitiesService {
  private index: Promise<CityIndex> | undefined;

  constructor(private readonly db: Db) {}

  async get(slug: string): Promise<City & { id: number }> {
    const city = await this.find(slug);
    if (!city) throw errors.notFound(`The city "${slug.slice(0, 60)}"`);
    return city;
  }

  /** For inputs: an unknown slug is the client's mistake (400), not a missing page. */
  async idOf(slug: string): Promise<number> {
    const city = await this.find(slug);
    if (!city) throw errors.unknownCity(slug);
    return city.id;
  }

  private async find(slug: string): Promise<(City & { id: number }) | null> {
    return SLUG.test(slug) && slug.length <= 120 ? findCity(this.db, slug) : null;
  }

  search(prefix: string, limit: number): Promise<City[]> {
    // No city name holds a NUL, and PostgreSQL refuses one in a text parameter (a 500, not "none").
    if (prefix.includes('\u0000')) return Promise.resolve([]);
    return prefix.trim() ? searchCities(this.db, prefix.trim(), limit) : busyCities(this.db, limit);
  }

  /** Built on first use (a worker that meets a photo with GPS) and kept: cities never change. */
  async nearest(lat: number, lon: number): Promise<{ id: number; slug: string } | null> {
    this.index ??= cityPoints(this.db).then((points) => new CityIndex(points));
    return (await this.index).nearest(lat, lon);
  }
}
