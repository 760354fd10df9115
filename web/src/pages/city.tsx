// One city's wall, live, with a picker to jump to another city.
import { useState } from 'preact/hooks';
import type { City, PublicUser } from '../../../src/shared/api.js';
import { Alert } from '../components/alert.js';
import { Link } from '../components/link.js';
import { CityPicker } from '../components/photos/city-picker.js';
import { PhotoGrid } from '../components/photos/photo-grid.js';
import { PageHead } from '../components/walls/page-head.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { navigate } from '../lib/router.js';
import { cityHref, countryName, plural } from '../photos/format.js';
import { cityFeed, fetchCity } from '../photos/photos-api.js';
import { useFeed } from '../photos/use-feed.js';

export function CityPage({ slug, user }: { slug: string; user: PublicUser | null }) {
  const [city, setCity] = useState<City | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  const feed = useFeed(`city:${slug}`, () => cityFeed(slug), (p) => p.city?.slug === slug, {
    onReset() {
      fetchCity(slug).then(
        (c) => {
          setCity(c);
          setError(null);
        },
        (err: unknown) => (err instanceof ApiError && err.status === 404 ? setMissing(true) : setError(errorMessage(err))),
      );
    },
    onEvent(env) {
      const delta = isEvent(env, 'photo.ready') ? 1 : isEvent(env, 'photo.deleted') ? -1 : 0;
      if (delta) setCity((c) => c && { ...c, photos: Math.max(0, c.photos + delta) });
    },
  });

  const picker = <CityPicker id="city-jump" label="Go to a city" value={null} keepValue={false} onChange={(c) => c && navigate(cityHref(c.slug))} />;
  if (missing || feed.state.missing) {
    return (
      <main class="page">
        <PageHead title="No such city" lead={<>There is no city “{slug}”. Try another, or see <Link href="/cities">all cities</Link>.</>} aside={picker} />
      </main>
    );
  }
  return (
    <main class="page">
      <PageHead
        title={city ? city.name : slug}
        lead={city ? `${countryName(city.country)} · ${plural(city.photos, 'photo')}` : ' '}
        aside={picker}
      />
      {error && <Alert onRetry={feed.reload}>{error}</Alert>}
      <PhotoGrid
        feed={feed}
        user={user}
        label={`Photos from ${city?.name ?? slug}`}
        empty={<p>No photos from {city?.name ?? slug} yet. They will show up here the moment someone shares one.</p>}
      />
    </main>
  );
}
