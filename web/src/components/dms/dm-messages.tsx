// A thread's messages, oldest at the top: "load older" above, pending sends below, and "Seen" under
// the viewer's last message once the other member's marker reaches it. Text goes through JSX text
// nodes only, never innerHTML.
import type { PublicUser } from '../../../../src/shared/api.js';
import type { DirectMessage } from '../../../../src/shared/community.js';
import { compareIds } from '../../dms/dms-api.js';
import { discardDm, retryDm, type PendingDm } from '../../dms/dm-outbox.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useStickToBottom } from '../../lib/stick-to-bottom.js';
import { Avatar } from '../avatar.js';

interface Props {
  messages: DirectMessage[];
  pending: PendingDm[];
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder(): void;
  self: PublicUser;
  /** The other member's read marker. */
  readUpTo: string | null;
}

const GROUP_WINDOW_MS = 5 * 60_000;
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function DmMessages(props: Props) {
  const { messages, pending, self, readUpTo } = props;
  const first = messages[0]?.id ?? '';
  const lastPending = pending[pending.length - 1];
  const lastMessage = messages[messages.length - 1];
  const last = lastPending ? `p:${lastPending.clientId}` : (lastMessage?.id ?? '');
  const lastIsMine = !!lastPending || lastMessage?.user.id === self.id;
  let mineLast: string | null = null;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.user.id === self.id) {
      mineLast = messages[i]!.id;
      break;
    }
  }
  const seenId = mineLast && readUpTo && compareIds(readUpTo, mineLast) >= 0 ? mineLast : null;

  const { scroller, onScroll, unseen, toBottom } = useStickToBottom(first, last, lastIsMine);

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} data-testid="dm-messages">
      <div class="messages__top">
        {props.hasOlder ? (
          <button type="button" class="btn btn--small btn--ghost" onClick={props.onLoadOlder} disabled={props.loadingOlder} data-testid="dm-load-older">
            {props.loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        ) : props.loaded && messages.length > 0 ? (
          <span class="muted">This is the beginning of your conversation.</span>
        ) : null}
      </div>
      {!props.loaded && <p class="messages__empty muted">Loading messages…</p>}
      {props.loaded && messages.length === 0 && pending.length === 0 && <p class="messages__empty muted">No messages yet. Say hello!</p>}
      <ol class="messages__list" aria-live="polite" aria-relevant="additions">
        {messages.map((m, i) => (
          <DmItem key={m.id} message={m} compact={continues(messages[i - 1], m)} seen={m.id === seenId} />
        ))}
        {pending.map((p) => (
          <PendingDmItem key={p.clientId} pending={p} user={self} />
        ))}
      </ol>
      {unseen && (
        <button
          type="button"
          class="messages__jump btn btn--small"
          onClick={toBottom}
        >
          New messages ↓
        </button>
      )}
    </div>
  );
}

function DmItem({ message, compact, seen }: { message: DirectMessage; compact: boolean; seen: boolean }) {
  const user = useFreshUser(message.user);
  const date = new Date(message.createdAt);
  const when = (
    <time class="msg__time" dateTime={message.createdAt} title={fullFormat.format(date)}>
      {timeFormat.format(date)}
    </time>
  );
  const seenMark = seen && (
    <span class="dm-seen" data-testid="dm-seen">
      Seen
    </span>
  );
  if (message.kind === 'action') {
    return (
      <li class="msg msg--action" data-testid="dm-message" data-id={message.id} data-kind="action">
        <p class="msg__text" data-testid="dm-message-text">
          <em>
            * {user.displayName} {message.text}
          </em>
        </p>
        {when}
        {seenMark}
      </li>
    );
  }
  return (
    <li class={`msg${compact ? ' msg--compact' : ''}`} data-testid="dm-message" data-id={message.id} data-kind="text">
      <div class="msg__gutter">{compact ? null : <Avatar user={user} />}</div>
      <div class="msg__body">
        {!compact && (
          <div class="msg__meta">
            <span class="msg__author" title={`@${user.username}`}>
              {user.displayName}
            </span>
            {when}
          </div>
        )}
        <p class="msg__text" data-testid="dm-message-text">
          {message.text}
        </p>
        {seenMark}
      </div>
    </li>
  );
}

const ME_PREFIX = /^\/me\s+/;

function PendingDmItem({ pending, user }: { pending: PendingDm; user: PublicUser }) {
  const failed = pending.status === 'failed';
  const action = ME_PREFIX.test(pending.text);
  return (
    <li class={`msg msg--pending${failed ? ' msg--failed' : ''}`} data-testid="dm-pending" data-status={pending.status}>
      <div class="msg__gutter">
        <Avatar user={user} />
      </div>
      <div class="msg__body">
        <div class="msg__meta">
          <span class="msg__author">{user.displayName}</span>
          <span class="msg__state">{failed ? 'Not sent' : 'sending…'}</span>
        </div>
        <p class="msg__text">{action ? <em>* {user.displayName} {pending.text.replace(ME_PREFIX, '')}</em> : pending.text}</p>
        {failed && (
          <div class="msg__error" role="alert">
            <span>{pending.error}</span>
            <button type="button" class="linklike" onClick={() => retryDm(pending.clientId)}>
              Retry
            </button>
            <button type="button" class="linklike" onClick={() => discardDm(pending.clientId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

/** Consecutive plain messages by one person within a few minutes share one header. */
function continues(prev: DirectMessage | undefined, m: DirectMessage): boolean {
  return (
    prev !== undefined &&
    prev.kind === 'text' &&
    m.kind === 'text' &&
    prev.user.id === m.user.id &&
    Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_WINDOW_MS
  );
}
