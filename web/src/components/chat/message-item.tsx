// Every piece of user text goes through JSX text nodes: never innerHTML, so markup shows literally.
import type { ChatMessage } from '../../../../src/shared/api.js';
import type { PendingMessage } from '../../chat/outbox.js';
import { discardMessage, retryMessage } from '../../chat/outbox.js';
import { Avatar } from '../avatar.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function MessageItem({ message, compact }: { message: ChatMessage; compact: boolean }) {
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
            * {message.user.username} {message.text}
          </em>
        </p>
        {when}
      </li>
    );
  }
  return (
    <li class={`msg${compact ? ' msg--compact' : ''}`} data-testid="message" data-id={message.id} data-kind="text">
      <div class="msg__gutter">{compact ? null : <Avatar name={message.user.username} />}</div>
      <div class="msg__body">
        {!compact && (
          <div class="msg__meta">
            <span class="msg__author" data-testid="message-author">
              {message.user.username}
            </span>
            {when}
          </div>
        )}
        <p class="msg__text" data-testid="message-text">
          {message.text}
        </p>
      </div>
    </li>
  );
}

const ME_PREFIX = /^\/me\s+/;

export function PendingItem({ pending, username }: { pending: PendingMessage; username: string }) {
  const failed = pending.status === 'failed';
  const action = ME_PREFIX.test(pending.text);
  return (
    <li class={`msg msg--pending${failed ? ' msg--failed' : ''}`} data-testid="pending-message" data-status={pending.status}>
      <div class="msg__gutter">
        <Avatar name={username} />
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
