import type { ComponentChildren } from 'preact';
import type { Notification } from '../../../../src/shared/api.js';
import { badgeLabel, fullTime, photoHref, timeAgo, userHref } from '../../photos/format.js';
import { useFreshUser } from '../../lib/profiles.js';
import { Avatar } from '../avatar.js';
import { CameraIcon, MedalIcon, WarningIcon } from '../icons.js';
import { Link } from '../link.js';

/** How much of a comment a notification quotes. */
const QUOTE_MAX = 80;

/** One line per kind; names, comments and the failure reason are text nodes, never HTML. */
export function NotificationItem({ n: given, onNavigate }: { n: Notification; onNavigate(): void }) {
  const actor = useFreshActor(given.actor);
  const n = actor === given.actor ? given : { ...given, actor };
  const download = n.type === 'export.ready' ? (n.export?.url ?? null) : null;
  const href = n.conversation ? `/messages/${n.conversation.id}` : n.photo ? photoHref(n.photo.id) : n.actor ? userHref(n.actor.username) : null;
  const body = (
    <>
      <span class={`note__icon note__icon--${n.type.replace('.', '-')}`}>{n.actor ? <Avatar user={n.actor} size="sm" /> : icon(n)}</span>
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
      {download ? (
        // A file, not a page of the app: a plain link the browser downloads.
        <a href={download} class="note__link" download onClick={onNavigate} data-testid="export-download">
          {body}
        </a>
      ) : href ? (
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
  const who = <strong>{n.actor?.displayName ?? 'Someone'}</strong>;
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
    case 'comment':
      return n.comment ? (
        <>
          {who} commented on your photo: <span class="note__quote">“{quote(n.comment.text)}”</span>
        </>
      ) : (
        <>{who} commented on your photo</>
      );
    case 'mention':
      return n.comment ? (
        <>
          {who} mentioned you: <span class="note__quote">“{quote(n.comment.text)}”</span>
        </>
      ) : (
        <>{who} mentioned you</>
      );
    case 'message':
      return <>{who} sent you a message</>;
    case 'export.ready':
      return <>Your data export is ready{n.export ? <span class="note__action"> · Download</span> : ''}</>;
    case 'moderation':
      return (
        <>
          A moderator removed your {n.removed?.type === 'message' ? 'chat message' : (n.removed?.type ?? 'post')}
          {n.reason ? <span class="note__quote">: “{quote(n.reason)}”</span> : ''}
        </>
      );
    default:
      return <>Something happened</>;
  }
}

/** The start of a comment on one line, cut at a character (never inside an emoji) with an ellipsis. */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX - 1).join('').trimEnd()}…` : flat;
}

function icon(n: Notification): ComponentChildren {
  return n.type === 'badge' ? <MedalIcon /> : n.type === 'photo.failed' || n.type === 'moderation' ? <WarningIcon /> : <CameraIcon />;
}

/** Hooks cannot be conditional: a system notification (no actor) passes through a stand-in. */
function useFreshActor(actor: Notification['actor']): Notification['actor'] {
  const fresh = useFreshUser(actor ?? NOBODY);
  return actor ? fresh : null;
}

const NOBODY = { id: '', username: '', displayName: '', bio: '', avatar: null };
