// The people the viewer blocked, newest first, each with Unblock. Pages of 50 ("Show more"); a block
// or unblock made anywhere else (a profile, another tab) reloads the list.
import { useEffect, useState } from 'preact/hooks';
import type { BlockedUser } from '../../../../src/shared/community.js';
import { listBlocked, setBlocking } from '../../blocks/blocks-api.js';
import { errorMessage } from '../../lib/api.js';
import { isEvent } from '../../lib/events.js';
import { showUser } from '../../lib/hidden-users.js';
import { useAction } from '../../lib/use-action.js';
import { userHref } from '../../photos/format.js';
import { useUserStream } from '../../settings/use-user-stream.js';
import { InlineError } from '../alert.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { SettingsSection } from './section.js';

interface State {
  items: BlockedUser[];
  next: string | null;
  loading: boolean;
  error: string | null;
}

export function BlockedUsers() {
  const [state, setState] = useState<State>({ items: [], next: null, loading: true, error: null });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    listBlocked(null).then(
      (page) => current && setState({ items: page.items, next: page.next, loading: false, error: null }),
      (err: unknown) => current && setState((s) => ({ ...s, loading: false, error: errorMessage(err) })),
    );
    return () => {
      current = false;
    };
  }, [generation]);

  useUserStream({
    onEvent: (env) => isEvent(env, 'block.changed') && setGeneration((g) => g + 1),
    onReset: () => setGeneration((g) => g + 1),
  });

  const more = () => {
    if (!state.next || state.loading) return;
    setState((s) => ({ ...s, loading: true }));
    listBlocked(state.next).then(
      (page) => setState((s) => ({ items: [...s.items, ...page.items.filter((b) => !s.items.some((i) => i.user.id === b.user.id))], next: page.next, loading: false, error: null })),
      (err: unknown) => setState((s) => ({ ...s, loading: false, error: errorMessage(err) })),
    );
  };
  const removed = (id: string) => setState((s) => ({ ...s, items: s.items.filter((b) => b.user.id !== id) }));

  return (
    <SettingsSection
      id="blocked"
      title="Blocked people"
      lead="Neither of you sees the other’s photos, comments, chat messages or presence, and neither can follow, like or comment on the other. Block someone from their profile."
    >
      {state.error && (
        <p class="alert" role="alert">
          {state.error}
        </p>
      )}
      {state.items.length === 0 && !state.loading && !state.error && <p class="muted">You have not blocked anyone.</p>}
      {state.items.length > 0 && (
        <ul class="blocked-list" data-testid="blocked-list">
          {state.items.map((b) => (
            <BlockedRow key={b.user.id} blocked={b} onUnblocked={removed} />
          ))}
        </ul>
      )}
      {state.next && (
        <button type="button" class="btn btn--small btn--ghost" onClick={more} disabled={state.loading}>
          {state.loading ? 'Loading…' : 'Show more'}
        </button>
      )}
    </SettingsSection>
  );
}

function BlockedRow({ blocked, onUnblocked }: { blocked: BlockedUser; onUnblocked(id: string): void }) {
  const { user } = blocked;
  const { busy, error, run } = useAction({ busyAfterSuccess: true });
  const unblock = () =>
    void run(async () => {
      await setBlocking(user.username, false);
      showUser(user.id);
      onUnblocked(user.id);
    });
  return (
    <li class="blocked-list__item" data-testid="blocked-user" data-username={user.username}>
      <Link href={userHref(user.username)} class="blocked-list__who">
        <Avatar user={user} size="sm" />
        <span class="blocked-list__name">{user.displayName}</span>
        <span class="muted">@{user.username}</span>
      </Link>
      <button type="button" class="btn btn--small btn--ghost" onClick={unblock} disabled={busy} data-testid="unblock-button" aria-label={`Unblock @${user.username}`}>
        {busy ? 'Unblocking…' : 'Unblock'}
      </button>
      <InlineError message={error} />
    </li>
  );
}
