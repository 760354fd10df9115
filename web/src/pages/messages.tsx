// /messages: the viewer's conversations (unread first, live); /messages/:id: one of them beside the
// list. On narrow screens only one of the two shows: the list without an id, the thread with one.
import type { PublicUser } from '../../../src/shared/api.js';
import { Alert } from '../components/alert.js';
import { ConversationList } from '../components/dms/conversation-list.js';
import { ThreadView } from '../components/dms/thread-view.js';
import { useConversations } from '../dms/use-dms.js';

export function MessagesPage({ id, user }: { id: string | null; user: PublicUser }) {
  const { state, model } = useConversations();
  return (
    <main class="dms" data-open={id ? 'thread' : 'list'}>
      <aside class="dms__list">
        {state.error && <Alert onRetry={() => void model.refetch()}>{state.error}</Alert>}
        <ConversationList
          items={state.items}
          current={id}
          loaded={state.loaded}
          hasMore={state.next !== null}
          loadingMore={state.loadingMore}
          onLoadMore={() => void model.loadMore()}
          selfId={user.id}
        />
      </aside>
      {id ? (
        <ThreadView key={id} id={id} user={user} onRead={(read) => model.markSeen(read)} />
      ) : (
        <section class="dm-thread dm-thread--empty">
          <p class="muted">Pick a conversation, or open someone’s profile and press Message.</p>
        </section>
      )}
    </main>
  );
}
