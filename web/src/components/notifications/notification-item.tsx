import type { ComponentChildren } from 'preact';
import type { Notification } from '../../../../src/shared/api.js';
import { badgeLabel, fullTime, photoHref, timeAgo, userHref } from '../../photos/format.js';
import { Avatar } from '../avatar.js';
import { CameraIcon, MedalIcon, WarningIcon } from '../icons.js';
import { Link } from '../link.js';

/** One line per kind; the actor's name and the failure reason are text nodes, never HTML. */
export function NotificationItem({ n, onNavigate }: { n: Notification; onNavigate(): void }) {
  const href = n.photo ? photoHref(n.photo.id) : n.actor ? userHref(n.actor.username) : null;
  const body = (
    <>
      <span class={`note__icon note__icon--${n.type.replace('.', '-')}`}>{n.actor ? <Avatar name={n.actor.username} size="sm" /> : icon(n)}</span>
      <span class="note__text">
        {describe(n)}
        <time class="note__time" dateTime={n.createdAt} title={fullTime(n.createdAt)}>
          {timeAgo(n.createdAt)}
        </time>
      </span>
      {n.photo?.thumb && <img class="note__thumb" src={n.photo.thumb} alt="" loading="lazy" />}
    </>
  );
  return (
    <li class={`note${n.read ? '' : ' note--unread'}`} data-testid="notification" data-type={n.type}>
      {href ? (
        <Link href={href} class="note__link" onClick={onNavigate}>
          {body}
        </Link>
      ) : (
        <div class="note__link">{body}</div>
      )}
    </li>
  );
}

function describe(n: Notification): ComponentChildren {
  const who = <strong>{n.actor?.username ?? 'Someone'}</strong>;
  switch (n.type) {
    case 'follow':
      return <>{who} started following you</>;
    case 'like':
      return <>{who} liked your photo</>;
    case 'photo.ready':
      return <>Your photo is ready</>;
    case 'photo.failed':
      return <>Your photo could not be processed: {n.reason ?? 'unknown error'}</>;
    case 'badge':
      return <>You earned a badge: {n.badge ? badgeLabel(n.badge) : 'milestone'}</>;
    default:
      return <>Something happened</>;
  }
}

function icon(n: Notification): ComponentChildren {
  return n.type === 'badge' ? <MedalIcon /> : n.type === 'photo.failed' ? <WarningIcon /> : <CameraIcon />;
}
