// One photo in full: the display variant, who, where, when, the caption, likes, delete and the
// comments. Used by the lightbox and by the photo page; it keeps the photo live while it is shown.
import type { ComponentChildren } from 'preact';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { cityHref, cityLabel, fullTime, timeAgo, userHref } from '../../photos/format.js';
import { usePhotoLive } from '../../photos/use-photo-live.js';
import { Avatar } from '../avatar.js';
import { CommentThread } from '../comments/comment-thread.js';
import { Link } from '../link.js';
import { RichText } from '../rich-text.js';
import { ReportButton } from '../moderation/report-button.js';
import { DeletePhoto } from './delete-photo.js';
import { LikeButton } from './like-button.js';
import { PhotoImage, photoAlt } from './photo-image.js';
import { useFreshUser } from '../../lib/profiles.js';

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
  const owner = useFreshUser(photo.owner);
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
            <Avatar user={owner} size="sm" />
            <span class="detail__name">{owner.displayName}</span>
            <span class="detail__username">@{photo.owner.username}</span>
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
            <RichText text={photo.caption} />
          </p>
        ) : (
          <p class="detail__caption muted">No caption.</p>
        )}
        <div class="detail__actions">
          {photo.status === 'ready' && <LikeButton photo={photo} user={user} onChange={onChange} />}
          {canDelete && <DeletePhoto id={photo.id} onDeleted={onDeleted} />}
          {photo.status === 'ready' && <ReportButton target={{ type: 'photo', id: photo.id }} label={`Report ${owner.displayName}’s photo`} authorId={photo.owner.id} />}
        </div>
        {photo.status === 'ready' && <CommentThread photo={photo} user={user} />}
      </div>
    </article>
  );
}
