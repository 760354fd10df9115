// One photo in full: the display variant, who, where, when, the caption, likes and delete.
// Used by the lightbox and by the photo page; it keeps the photo live while it is shown.
import type { ComponentChildren } from 'preact';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { cityHref, cityLabel, fullTime, timeAgo, userHref } from '../../photos/format.js';
import { usePhotoLive } from '../../photos/use-photo-live.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { DeletePhoto } from './delete-photo.js';
import { LikeButton } from './like-button.js';
import { PhotoImage, photoAlt } from './photo-image.js';

interface Props {
  photo: Photo;
  user: PublicUser | null;
  onChange(photo: Photo): void;
  onDeleted(id: string): void;
  /** Drawn over the picture (the lightbox's previous/next buttons). */
  overlay?: ComponentChildren;
}

export function PhotoDetail({ photo, user, onChange, onDeleted, overlay }: Props) {
  usePhotoLive(photo, { onChange, onDeleted });
  const canDelete = !!user && (user.id === photo.owner.id || !!user.isAdmin);

  return (
    <article class="detail" data-testid="photo-detail" data-id={photo.id}>
      <div class="detail__media">
        {photo.status === 'ready' ? (
          <PhotoImage photo={photo} variant="display" alt={photoAlt(photo)} />
        ) : (
          <div class={`detail__state${photo.status === 'failed' ? ' detail__state--failed' : ''}`} role="status">
            {photo.status === 'processing' ? 'Still processing…' : `Could not process this photo: ${photo.failure ?? 'unknown error'}`}
          </div>
        )}
        {overlay}
      </div>
      <div class="detail__side">
        <header class="detail__head">
          <Link href={userHref(photo.owner.username)} class="detail__owner" data-testid="detail-owner">
            <Avatar name={photo.owner.username} size="sm" />
            <span>{photo.owner.username}</span>
          </Link>
          <time class="muted" dateTime={photo.createdAt} title={fullTime(photo.createdAt)}>
            {timeAgo(photo.createdAt)}
          </time>
        </header>
        {photo.city && (
          <Link href={cityHref(photo.city.slug)} class="detail__city" data-testid="detail-city">
            {cityLabel(photo.city)}
          </Link>
        )}
        {photo.caption ? (
          <p class="detail__caption" data-testid="detail-caption">
            {photo.caption}
          </p>
        ) : (
          <p class="detail__caption muted">No caption.</p>
        )}
        <div class="detail__actions">
          {photo.status === 'ready' && <LikeButton photo={photo} user={user} onChange={onChange} />}
          {canDelete && <DeletePhoto id={photo.id} onDeleted={onDeleted} />}
        </div>
      </div>
    </article>
  );
}
