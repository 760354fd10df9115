// The live wall of all cities: a tile per city with its newest photo; a new photo anywhere
// bumps its city's tile to the front.
import { useEffect, useMemo } from 'preact/hooks';
import { Alert } from '../components/alert.js';
import { CityPicker } from '../components/photos/city-picker.js';
import { CityTile } from '../components/walls/city-tile.js';
import { PageHead } from '../components/walls/page-head.js';
import { navigate } from '../lib/router.js';
import { useStore } from '../lib/store.js';
import { CitiesModel } from '../photos/cities-model.js';
import { cityHref } from '../photos/format.js';

export function CitiesPage() {
  const model = useMemo(() => new CitiesModel(), []);
  useEffect(() => model.start(), [model]);
  const { tiles, loaded, error } = useStore(model.store);
  return (
    <main class="page">
      <PageHead
        title="Cities"
        lead="Where photos are being shared, live: a city jumps to the front with each new photo."
        aside={<CityPicker id="city-jump" label="Go to a city" value={null} keepValue={false} onChange={(c) => c && navigate(cityHref(c.slug))} />}
      />
      {error && <Alert onRetry={() => void model.refetch()}>{error}</Alert>}
      {loaded && tiles.length === 0 && !error && <p class="wall__empty">No photo has a city yet. Pick one when you upload.</p>}
      <ul class="grid grid--tiles" data-testid="city-tiles" aria-busy={!loaded}>
        {tiles.map((t) => (
          <CityTile key={t.city.slug} tile={t} />
        ))}
      </ul>
    </main>
  );
}
