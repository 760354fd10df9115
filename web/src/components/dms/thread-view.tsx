// One conversation: who it is with, its messages (live), and the composer; it marks what it shows
// read while the tab is visible. A conversation the viewer may not see says why instead.
import type { PublicUser } from '../../../../src/shared/api.js';
import { DELETED_USERNAME } from '../../../../src/shared/api.js';
import { dmOutbox } from '../../dms/dm-outbox.js';
import { useMarkRead, useThread } from '../../dms/use-dms.js';
import { useHidden } from '../../lib/hidden-users.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useStore } from '../../lib/store.js';
import { userHref } from '../../photos/format.js';
import { Alert } from '../alert.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { DmComposer } from './dm-composer.js';
import { DmMessages } from './dm-messages.js';

interface Props {
  id: string;
  user: PublicUser;
  /** The list beside it: this conversation was read here. */
  onRead?(id: string): void;
}

export function ThreadView({ id, user, onRead }: Props) {
  const { state, loadOlder, reload } = useThread(id, user.id);
  const pending = useStore(dmOutbox).filter((m) => m.conversationId === id);
  useMarkRead(id, state.unavailable ? [] : state.messages, user.id, onRead);
  const other = state.conversation?.with ?? null;
  const hidden = useHidden(other?.id ?? '');

  if (state.unavailable || hidden) {
    const blocked = hidden || state.unavailable?.code === 'BLOCKED';
    return (
      <section class="dm-thread dm-thread--unavailable" data-testid="dm-unavailable">
        <p class="muted">{blocked ? 'You cannot see this conversation: one of you has blocked the other.' : 'This conversation was not found.'}</p>
        <Link href="/messages" class="btn btn--small btn--ghost">
          All conversations
        </Link>
      </section>
    );
  }
  const gone = other?.username === DELETED_USERNAME;
  return (
    <section class="dm-thread" aria-label="Conversation" data-testid="dm-thread" data-id={id}>
      <header class="chat__header dm-thread__header">
        <Link href="/messages" class="btn btn--small btn--ghost dm-thread__back" aria-label="All conversations">
          ←
        </Link>
        {other ? <OtherMember other={other} /> : <span class="muted">Loading…</span>}
      </header>
      {state.error && <Alert onRetry={reload}>{state.error}</Alert>}
      <DmMessages
        messages={state.messages}
        pending={pending}
        loaded={state.loaded}
        hasOlder={state.next !== null}
        loadingOlder={state.loadingOlder}
        onLoadOlder={loadOlder}
        self={user}
        readUpTo={state.conversation?.readUpTo ?? null}
      />
      <DmComposer
        conversationId={id}
        to={other ? other.displayName : 'them'}
        disabled={gone ? 'This account was deleted: it cannot receive messages.' : null}
      />
    </section>
  );
}

function OtherMember({ other: given }: { other: PublicUser }) {
  const other = useFreshUser(given);
  if (other.username === DELETED_USERNAME) {
    return (
      <h1 class="chat__title dm-thread__title" data-testid="dm-with">
        {DELETED_USERNAME}
      </h1>
    );
  }
  return (
    <Link href={userHref(other.username)} class="dm-thread__who">
      <Avatar user={other} size="sm" />
      <h1 class="chat__title dm-thread__title" data-testid="dm-with">
        {other.displayName}
        <span class="muted dm-thread__username">@{other.username}</span>
      </h1>
    </Link>
  );
}
