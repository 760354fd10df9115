// The viewer's conversations: the other member, the last message, and the unread count.
import type { Conversation } from '../../../../src/shared/community.js';
import { DELETED_USERNAME } from '../../../../src/shared/api.js';
import { useHiddenUsers } from '../../lib/hidden-users.js';
import { useFreshUser } from '../../lib/profiles.js';
import { timeAgo } from '../../photos/format.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';

interface Props {
  items: Conversation[];
  current: string | null;
  loaded: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore(): void;
  selfId: string;
}

export function ConversationList({ items, current, loaded, hasMore, loadingMore, onLoadMore, selfId }: Props) {
  const hidden = useHiddenUsers();
  const shown = items.filter((c) => !hidden.has(c.with.id));
  return (
    <nav class="dm-list" aria-label="Conversations">
      <h2 class="panel-title">Messages</h2>
      {!loaded && <p class="muted dm-list__empty">Loading…</p>}
      {loaded && shown.length === 0 && <p class="muted dm-list__empty">No conversations yet. Open someone’s profile and press Message.</p>}
      <ul class="dm-list__items" data-testid="conversations">
        {shown.map((c) => (
          <ConversationItem key={c.id} c={c} current={c.id === current} selfId={selfId} />
        ))}
      </ul>
      {hasMore && (
        <button type="button" class="btn btn--small btn--ghost btn--block" onClick={onLoadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Older conversations'}
        </button>
      )}
    </nav>
  );
}

function ConversationItem({ c, current, selfId }: { c: Conversation; current: boolean; selfId: string }) {
  const other = useFreshUser(c.with);
  const last = c.lastMessage;
  const preview = last ? `${last.user.id === selfId ? 'You: ' : ''}${last.kind === 'action' ? `* ${last.text}` : last.text}` : '';
  return (
    <li>
      <Link
        href={`/messages/${c.id}`}
        class={`dm-item${c.unread > 0 ? ' dm-item--unread' : ''}`}
        aria-current={current ? 'page' : undefined}
        data-testid="conversation"
        data-id={c.id}
        data-with={other.username}
      >
        <Avatar user={other} size="sm" />
        <span class="dm-item__main">
          <span class="dm-item__top">
            <span class="dm-item__name">{other.username === DELETED_USERNAME ? DELETED_USERNAME : other.displayName}</span>
            {last && <time class="dm-item__time" dateTime={last.createdAt}>{timeAgo(last.createdAt)}</time>}
          </span>
          <span class="dm-item__preview">{preview}</span>
        </span>
        {c.unread > 0 && (
          <span class="nav-badge dm-item__unread" data-testid="conversation-unread" aria-label={`${c.unread} unread`}>
            {c.unread >= 1000 ? '999+' : c.unread}
          </span>
        )}
      </Link>
    </li>
  );
}
