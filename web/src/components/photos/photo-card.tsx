// One tile of a wall. The caption is a JSX text node, never HTML: markup in it shows literally.
import type { Photo } from '../../../../src/shared/api.js';
import { cityHref, cityLabel, fullTime, timeAgo, userHref } from '../../photos/format.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { PhotoImage, photoAlt } from './photo-image.js';
import { RemoveFailed } from './remove-failed.js';

interface Props {
  photo: Photo;
  onOpen(id: string): void;
  onRemoved(id: string): void;
}

export function PhotoCard({ photo, onOpen, onRemoved }: Props) {
  return (
    <li class={`photo-card photo-card--${photo.status}`} data-testid="photo-card" data-id={photo.id} data-status={photo.status}>
      {photo.status === 'ready' ? (
        <button type="button" class="photo-card__open" onClick={() => onOpen(photo.id)} aria-label={`Open photo by ${photo.owner.username}`}>
          <PhotoImage photo={photo} variant="thumb" square alt={photoAlt(photo)} />
          {photo.likes > 0 && (
            <span class="photo-card__likes" aria-label={`${photo.likes} likes`}>
              ♥ {photo.likes}
            </span>
          )}
        </button>
      ) : photo.status === 'processing' ? (
        <div class="photo-card__state" data-testid="photo-processing" role="status">
          <span class="spinner" aria-hidden="true" />
          <span>Processing…</span>
        </div>
      ) : (
        <div class="photo-card__state photo-card__state--failed" data-testid="photo-failed" role="alert">
          <strong>Could not process this photo</strong>
          <span class="photo-card__reason">{photo.failure ?? 'Unknown error'}</span>
          <RemoveFailed id={photo.id} onRemoved={onRemoved} />
        </div>
      )}
      <div class="photo-card__meta">
        <div class="photo-card__line">
          <Link href={userHref(photo.owner.username)} class="photo-card__owner" data-testid="photo-owner">
            <Avatar name={photo.owner.username} size="xs" />
            <span>{photo.owner.username}</span>
          </Link>
          <time class="photo-card__time" dateTime={photo.createdAt} title={fullTime(photo.createdAt)}>
            {timeAgo(photo.createdAt)}
          </time>
        </div>
        {photo.city && (
          <Link href={cityHref(photo.city.slug)} class="photo-card__city" data-testid="photo-city">
            {cityLabel(photo.city)}
          </Link>
        )}
        {photo.caption && (
          <p class="photo-card__caption" data-testid="photo-caption">
            {photo.caption}
          </p>
        )}
      </div>
    </li>
  );
}
