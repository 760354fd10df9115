// The all-cities wall: the cities that have photos, each tile with its newest photo, kept live
// from the `latest` stream (a photo with a city bumps that city's tile to the front).
import type { Photo } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { bumpTile, dropFromTiles, fillTile, type CityTile } from './city-tiles.js';
import { newestInCity, searchCities } from './photos-api.js';

export interface CitiesState {
  tiles: CityTile[];
  loaded: boolean;
  error: string | null;
}

/** Newest-photo requests in flight at once, so a wall of many cities does not flood the server. */
const PARALLEL_FETCHES = 6;

export class CitiesModel extends LiveModel<CitiesState> {
  private liveSinceReset: Photo[] = [];

  constructor() {
    super({ tiles: [], loaded: false, error: null });
  }

  start(): () => void {
    return this.startLive('latest', {
      onEvent: (env) => {
        if (isEvent(env, 'photo.ready')) this.bump(env.data.photo);
        else if (isEvent(env, 'photo.deleted')) this.drop(env.data.id);
      },
    });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceReset = [];
    let cities;
    try {
      cities = await searchCities('');
    } catch (err) {
      if (!this.stale(gen)) this.patch({ error: errorMessage(err), loaded: true });
      return;
    }
    if (this.stale(gen)) return;
    let tiles: CityTile[] = cities.map((city) => ({ city, photo: null, bumpedAt: 0 }));
    // Photos that came live during the fetch may or may not be counted in it; bumping again at
    // worst counts one twice until the next refetch, and puts the tile where it belongs.
    for (const p of this.liveSinceReset) tiles = bumpTile(tiles, p, 0);
    this.patch({ tiles, loaded: true, error: null });
    await this.fillAll(gen, tiles.filter((t) => !t.photo).map((t) => t.city.slug));
  }

  private async fillAll(gen: number, slugs: string[]): Promise<void> {
    const queue = [...slugs];
    const worker = async () => {
      for (let slug = queue.shift(); slug !== undefined && !this.stale(gen); slug = queue.shift()) await this.fill(gen, slug);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, queue.length) }, worker));
  }

  private async fill(gen: number, slug: string): Promise<void> {
    try {
      const photo = await newestInCity(slug);
      if (!this.stale(gen)) this.patch({ tiles: fillTile(this.store.get().tiles, slug, photo) });
    } catch {
      // One tile without its picture is not worth an alert; the city's name still links to it.
    }
  }

  private bump(photo: Photo): void {
    this.liveSinceReset.push(photo);
    this.patch({ tiles: bumpTile(this.store.get().tiles, photo, Date.now()) });
  }

  private drop(id: string): void {
    const { tiles, stale } = dropFromTiles(this.store.get().tiles, id);
    this.patch({ tiles });
    void this.fillAll(this.currentGeneration(), stale);
  }
}
