import { useMemo } from 'preact/hooks';
import type { ChatMessage, PublicUser } from '../../../../src/shared/api.js';
import type { PendingMessage } from '../../chat/outbox.js';
import { buildTimeline, type Notice, type TimelineItem } from '../../chat/timeline.js';
import { useStickToBottom } from '../../lib/stick-to-bottom.js';
import { MessageItem, NoticeItem, PendingItem } from './message-item.js';

interface Props {
  messages: ChatMessage[];
  notices: Notice[];
  pending: PendingMessage[];
  hasOlder: boolean;
  loadingOlder: boolean;
  loaded: boolean;
  onLoadOlder(): void;
  self: PublicUser;
}

const GROUP_WINDOW_MS = 5 * 60_000;

export function MessageList(props: Props) {
  const { pending, self } = props;
  const timeline = useMemo(() => buildTimeline(props.messages, props.notices), [props.messages, props.notices]);
  const lastPending = pending[pending.length - 1];
  const lastItem = timeline[timeline.length - 1];
  const first = timeline[0] ? itemKey(timeline[0]) : '';
  const last = lastPending ? `p:${lastPending.clientId}` : lastItem ? itemKey(lastItem) : '';
  const lastIsMine = !!lastPending || (lastItem?.kind === 'message' && lastItem.message.user.id === self.id);

  const { scroller, onScroll, unseen, toBottom } = useStickToBottom(first, last, lastIsMine);

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} data-testid="message-list">
      <div class="messages__top">
        {props.hasOlder ? (
          <button type="button" class="btn btn--small btn--ghost" onClick={props.onLoadOlder} disabled={props.loadingOlder}>
            {props.loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        ) : props.loaded && timeline.length > 0 ? (
          <span class="muted">This is the beginning of the room.</span>
        ) : null}
      </div>
      {!props.loaded && <p class="messages__empty muted">Loading messages…</p>}
      {props.loaded && timeline.length === 0 && pending.length === 0 && (
        <p class="messages__empty muted">No messages yet. Say hello!</p>
      )}
      <ol class="messages__list" aria-live="polite" aria-relevant="additions">
        {timeline.map((item, i) =>
          item.kind === 'notice' ? (
            <NoticeItem key={itemKey(item)} text={item.notice.text} />
          ) : (
            <MessageItem key={itemKey(item)} message={item.message} compact={continues(timeline[i - 1], item)} />
          ),
        )}
        {pending.map((p) => (
          <PendingItem key={p.clientId} pending={p} user={self} />
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

function itemKey(item: TimelineItem): string {
  return item.kind === 'message' ? `m:${item.message.id}` : `n:${item.notice.key}`;
}

/** Consecutive plain messages by one person within a few minutes share one header. */
function continues(prev: TimelineItem | undefined, item: TimelineItem & { kind: 'message' }): boolean {
  return (
    prev?.kind === 'message' &&
    prev.message.kind === 'text' &&
    item.message.kind === 'text' &&
    prev.message.user.id === item.message.user.id &&
    item.at - prev.at < GROUP_WINDOW_MS
  );
}
