// Nearest city to a GPS position, in memory: a flat scan of ~50k points takes about a millisecond,
// so no spatial index is needed. Positions farther than MAX_KM from any city get no city.

export const MAX_KM = 100;
const EARTH_KM = 6371;
const RAD = Math.PI / 180;

export interface CityPoint {
  id: number;
  slug: string;
  lat: number;
  lon: number;
}

export class CityIndex {
  private readonly lats: Float64Array;
  private readonly lons: Float64Array;
  private readonly slugs: string[];
  private readonly ids: Int32Array;

  constructor(points: readonly CityPoint[]) {
    this.lats = Float64Array.from(points, (p) => p.lat * RAD);
    this.lons = Float64Array.from(points, (p) => p.lon * RAD);
    this.slugs = points.map((p) => p.slug);
    this.ids = Int32Array.from(points, (p) => p.id);
  }

  get size(): number {
    return this.slugs.length;
  }

  nearest(lat: number, lon: number, maxKm = MAX_KM): { id: number; slug: string; km: number } | null {
    const φ = lat * RAD;
    const λ = lon * RAD;
    let best = -1;
    let bestHav = Infinity;
    for (let i = 0; i < this.slugs.length; i++) {
      const h = haversine(φ, λ, this.lats[i]!, this.lons[i]!);
      if (h < bestHav) {
        bestHav = h;
        best = i;
      }
    }
    if (best < 0) return null;
    const km = 2 * EARTH_KM * Math.asin(Math.sqrt(bestHav));
    return km <= maxKm ? { id: this.ids[best]!, slug: this.slugs[best]!, km } : null;
  }
}

/** The haversine term: monotonic in distance, so comparing it avoids the asin per point. */
function haversine(φ1: number, λ1: number, φ2: number, λ2: number): number {
  const dφ = Math.sin((φ2 - φ1) / 2);
  const dλ = Math.sin((λ2 - λ1) / 2);
  return dφ * dφ + Math.cos(φ1) * Math.cos(φ2) * dλ * dλ;
}
