// One tile of a wall, with its like and comment counts live while it is on screen. The caption is
// JSX text nodes (its mentions and tags links), never HTML: markup in it shows literally.
import type { Photo } from '../../../../src/shared/api.js';
import { cityHref, cityLabel, fullTime, plural, timeAgo, userHref } from '../../photos/format.js';
import { useCardLive, type CardCounts } from '../../photos/use-card-live.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { RichText } from '../rich-text.js';
import { PhotoImage, photoAlt } from './photo-image.js';
import { RemoveFailed } from './remove-failed.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useHidden } from '../../lib/hidden-users.js';

interface Props {
  photo: Photo;
  onOpen(id: string): void;
  onRemoved(id: string): void;
}

export function PhotoCard({ photo, onOpen, onRemoved }: Props) {
  const owner = useFreshUser(photo.owner);
  const { ref, counts } = useCardLive<HTMLLIElement>(photo);
  // Its owner and the viewer blocked one another since it was shown: it leaves the wall.
  if (useHidden(photo.owner.id)) return null;
  return (
    <li ref={ref} class={`photo-card photo-card--${photo.status}`} data-testid="photo-card" data-id={photo.id} data-status={photo.status}>
      {photo.status === 'ready' ? (
        <div class="photo-card__media">
          <button type="button" class="photo-card__open" onClick={() => onOpen(photo.id)} aria-label={`Open photo by ${owner.displayName}`}>
            <PhotoImage photo={photo} variant="thumb" square alt={photoAlt(photo)} />
          </button>
          <Counts counts={counts} />
        </div>
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
            <Avatar user={owner} size="xs" />
            <span>{owner.displayName}</span>
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
            <RichText text={photo.caption} />
          </p>
        )}
      </div>
    </li>
  );
}

/** Over the picture, out of the open button so screen readers hear it ("3 likes, 1 comment"). */
function Counts({ counts }: { counts: CardCounts }) {
  return (
    <p class="photo-card__counts">
      <span class="visually-hidden">{`${plural(counts.likes, 'like')}, ${plural(counts.comments, 'comment')}`}</span>
      <span class="photo-card__count" aria-hidden="true">
        <span class="photo-card__heart">♥</span>
        <span data-testid="card-likes">{counts.likes}</span>
      </span>
      <span class="photo-card__count" aria-hidden="true">
        <CommentIcon />
        <span data-testid="card-comments">{counts.comments}</span>
      </span>
    </p>
  );
}

/** A speech bubble, drawn: emoji are missing from some systems' fonts. */
function CommentIcon() {
  return (
    <svg class="icon" width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linejoin="round" aria-hidden="true" focusable="false">
      <path d="M21 11.5a8.4 8.4 0 0 1-9 8.4 9.5 9.5 0 0 1-3.9-.8L3 21l1.6-4.4A8 8 0 0 1 3 11.5 8.6 8.6 0 0 1 12 3a8.6 8.6 0 0 1 9 8.5z" />
    </svg>
  );
}
