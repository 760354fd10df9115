// Every piece of user text goes through JSX text nodes: never innerHTML, so markup shows literally.
import type { ChatMessage, PublicUser } from '../../../../src/shared/api.js';
import type { PendingMessage } from '../../chat/outbox.js';
import { discardMessage, retryMessage } from '../../chat/outbox.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useHidden } from '../../lib/hidden-users.js';
import { Avatar } from '../avatar.js';
import { ReportButton } from '../moderation/report-button.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function MessageItem({ message, compact }: { message: ChatMessage; compact: boolean }) {
  const user = useFreshUser(message.user);
  // Its author and the viewer blocked one another since it was shown: it leaves the room.
  if (useHidden(message.user.id)) return null;
  const date = new Date(message.createdAt);
  const when = (
    <time class="msg__time" dateTime={message.createdAt} title={fullFormat.format(date)}>
      {timeFormat.format(date)}
    </time>
  );
  if (message.kind === 'action') {
    return (
      <li class="msg msg--action" data-testid="message" data-id={message.id} data-kind="action">
        <p class="msg__text" data-testid="message-text">
          <em>
            * {user.displayName} {message.text}
          </em>
        </p>
        {when}
        <ReportButton target={{ type: 'message', id: message.id }} label={`Report message by ${user.displayName}`} authorId={message.user.id} compact />
      </li>
    );
  }
  return (
    <li class={`msg${compact ? ' msg--compact' : ''}`} data-testid="message" data-id={message.id} data-kind="text">
      <div class="msg__gutter">{compact ? null : <Avatar user={user} />}</div>
      <div class="msg__body">
        {!compact && (
          <div class="msg__meta">
            <span class="msg__author" data-testid="message-author" title={`@${user.username}`}>
              {user.displayName}
            </span>
            {when}
          </div>
        )}
        <p class="msg__text" data-testid="message-text">
          {message.text}
        </p>
        <ReportButton target={{ type: 'message', id: message.id }} label={`Report message by ${user.displayName}`} authorId={message.user.id} compact />
      </div>
    </li>
  );
}

const ME_PREFIX = /^\/me\s+/;

export function PendingItem({ pending, user }: { pending: PendingMessage; user: PublicUser }) {
  const username = user.displayName;
  const failed = pending.status === 'failed';
  const action = ME_PREFIX.test(pending.text);
  return (
    <li class={`msg msg--pending${failed ? ' msg--failed' : ''}`} data-testid="pending-message" data-status={pending.status}>
      <div class="msg__gutter">
        <Avatar user={user} />
      </div>
      <div class="msg__body">
        <div class="msg__meta">
          <span class="msg__author">{username}</span>
          <span class="msg__state">{failed ? 'Not sent' : 'sending…'}</span>
        </div>
        <p class="msg__text">
          {action ? <em>* {username} {pending.text.replace(ME_PREFIX, '')}</em> : pending.text}
        </p>
        {failed && (
          <div class="msg__error" role="alert">
            <span>{pending.error}</span>
            <button type="button" class="linklike" onClick={() => retryMessage(pending.clientId)}>
              Retry
            </button>
            <button type="button" class="linklike" onClick={() => discardMessage(pending.clientId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

export function NoticeItem({ text }: { text: string }) {
  return (
    <li class="notice" data-testid="notice">
      {text}
    </li>
  );
}
