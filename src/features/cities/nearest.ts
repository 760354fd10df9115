// The city of a GPS position, in memory: a flat scan of ~50k points takes about a millisecond, so no
// spatial index is needed. The nearest city wins, unless a bigger one is barely farther: a photo
// taken 3 km from the centre of London is in London, not in the "City of Westminster" whose centre
// is 1 km away. Positions farther than MAX_KM from any city get no city.

export const MAX_KM = 100;
/** A bigger city this much farther than the nearest one still wins. */
export const BIGGER_CITY_SLACK_KM = 8;
const EARTH_KM = 6371;
const RAD = Math.PI / 180;

export interface CityPoint {
  id: number;
  slug: string;
  lat: number;
  lon: number;
  population?: number;
}

export class CityIndex {
  private readonly lats: Float64Array;
  private readonly lons: Float64Array;
  private readonly slugs: string[];
  private readonly ids: Int32Array;
  private readonly populations: Float64Array;

  constructor(points: readonly CityPoint[]) {
    this.lats = Float64Array.from(points, (p) => p.lat * RAD);
    this.lons = Float64Array.from(points, (p) => p.lon * RAD);
    this.slugs = points.map((p) => p.slug);
    this.ids = Int32Array.from(points, (p) => p.id);
    this.populations = Float64Array.from(points, (p) => p.population ?? 0);
  }

  get size(): number {
    return this.slugs.length;
  }

  nearest(lat: number, lon: number, maxKm = MAX_KM): { id: number; slug: string; km: number } | null {
    const φ = lat * RAD;
    const λ = lon * RAD;
    const n = this.slugs.length;
    const kms = new Float64Array(n);
    let nearestKm = Infinity;
    for (let i = 0; i < n; i++) {
      kms[i] = 2 * EARTH_KM * Math.asin(Math.sqrt(haversine(φ, λ, this.lats[i]!, this.lons[i]!)));
      if (kms[i]! < nearestKm) nearestKm = kms[i]!;
    }
    if (nearestKm > maxKm) return null;
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (kms[i]! > nearestKm + BIGGER_CITY_SLACK_KM) continue;
      if (best < 0 || this.populations[i]! > this.populations[best]! || (this.populations[i] === this.populations[best] && kms[i]! < kms[best]!)) best = i;
    }
    return { id: this.ids[best]!, slug: this.slugs[best]!, km: kms[best]! };
  }
}

/** The haversine term: monotonic in distance, so comparing it avoids the asin per point. */
function haversine(φ1: number, λ1: number, φ2: number, λ2: number): number {
  const dφ = Math.sin((φ2 - φ1) / 2);
  const dλ = Math.sin((λ2 - λ1) / 2);
  return dφ * dφ + Math.cos(φ1) * Math.cos(φ2) * dλ * dλ;
}
