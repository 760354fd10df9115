// The all-cities wall as pure data: one tile per city with its newest photo. A live photo moves
// its city's tile to the front; a deleted newest photo asks for that tile to be refetched.
import type { City, Photo } from '../../../src/shared/api.js';

export interface CityTile {
  city: City;
  photo: Photo | null;
  /** When the tile was last bumped by a live photo, for a short highlight; 0 when never. */
  bumpedAt: number;
}

export function bumpTile(tiles: readonly CityTile[], photo: Photo, now: number): CityTile[] {
  const ref = photo.city;
  if (!ref || photo.status !== 'ready') return [...tiles];
  const old = tiles.find((t) => t.city.slug === ref.slug);
  if (old?.photo?.id === photo.id) return [...tiles];
  const city: City = old ? { ...old.city, photos: old.city.photos + 1 } : { ...ref, photos: 1 };
  return [{ city, photo, bumpedAt: now }, ...tiles.filter((t) => t !== old)];
}

/** Drops the photo from the tile it leads; returns the slugs whose newest photo must be refetched. */
export function dropFromTiles(tiles: readonly CityTile[], id: string): { tiles: CityTile[]; stale: string[] } {
  const stale: string[] = [];
  const next = tiles.map((t) => {
    if (t.photo?.id !== id) return t;
    stale.push(t.city.slug);
    return { ...t, city: { ...t.city, photos: Math.max(0, t.city.photos - 1) }, photo: null };
  });
  return { tiles: next, stale };
}

/**
 * Fills a tile emptied by a deletion with the newest photo fetched since. A tile a live photo
 * filled meanwhile keeps that one (it is newer); a city left without photos loses its tile.
 */
export function fillTile(tiles: readonly CityTile[], slug: string, photo: Photo | null): CityTile[] {
  return tiles
    .map((t) => (t.city.slug === slug && t.photo === null ? { ...t, photo } : t))
    .filter((t) => t.photo !== null || t.city.photos > 0);
}
