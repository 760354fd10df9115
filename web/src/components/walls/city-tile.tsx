import type { CityTile as Tile } from '../../photos/city-tiles.js';
import { cityHref, countryName, plural } from '../../photos/format.js';
import { Link } from '../link.js';
import { PhotoImage, photoAlt } from '../photos/photo-image.js';

export function CityTile({ tile }: { tile: Tile }) {
  const { city, photo } = tile;
  return (
    <li class="tile" data-testid="city-tile" data-slug={city.slug}>
      <Link href={cityHref(city.slug)} class="tile__link">
        {photo ? <PhotoImage key={photo.id} photo={photo} variant="thumb" square alt={photoAlt(photo)} /> : <div class="photo-img photo-img--square" />}
        {/* Remounted on every bump, so the highlight animation plays again. */}
        {tile.bumpedAt > 0 && <span key={tile.bumpedAt} class="tile__flash" aria-hidden="true" />}
        <span class="tile__label">
          <span class="tile__name">{city.name}</span>
          <span class="tile__meta">
            {countryName(city.country)} · <span data-testid="city-count">{plural(city.photos, 'photo')}</span>
          </span>
        </span>
      </Link>
    </li>
  );
}
