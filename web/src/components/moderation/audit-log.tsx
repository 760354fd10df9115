// The audit log: every moderation action (and role change) with who took it, newest first. Read
// when the tab opens and on demand; a suspension can be lifted from its entry.
import { useEffect, useState } from 'preact/hooks';
import type { ModerationAction } from '../../../../src/shared/community.js';
import { errorMessage } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { fullTime, timeAgo } from '../../photos/format.js';
import { ACTION_NAMES, TARGET_NAMES, untilLabel } from '../../moderation/format.js';
import { fetchActions, liftSuspension } from '../../moderation/moderation-api.js';
import { Alert, InlineError } from '../alert.js';
import { Person } from './queue-item.js';

interface LogState {
  items: ModerationAction[];
  next: string | null;
  loading: boolean;
  error: string | null;
}

export function AuditLog() {
  const [state, setState] = useState<LogState>({ items: [], next: null, loading: true, error: null });
  const load = async (before: string | null) => {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await fetchActions(before);
      setState((s) => ({ items: before ? [...s.items, ...page.items] : page.items, next: page.next, loading: false, error: null }));
    } catch (err) {
      setState((s) => ({ ...s, loading: false, error: errorMessage(err) }));
    }
  };
  useEffect(() => void load(null), []);

  return (
    <section class="mod-log" aria-busy={state.loading} data-testid="audit-log">
      <div class="mod-log__head">
        <p class="muted">Every action, newest first, with who took it.</p>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load(null)} disabled={state.loading}>
          Refresh
        </button>
      </div>
      {state.error && <Alert onRetry={() => void load(null)}>{state.error}</Alert>}
      {!state.loading && state.items.length === 0 && !state.error && <p class="muted">No actions yet.</p>}
      <ol class="mod-log__list">
        {state.items.map((a) => (
          <Entry key={a.id} action={a} onLifted={() => void load(null)} />
        ))}
      </ol>
      {state.next && (
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load(state.next)} disabled={state.loading}>
          {state.loading ? 'Loading…' : 'Older actions'}
        </button>
      )}
    </section>
  );
}

function Entry({ action: a, onLifted }: { action: ModerationAction; onLifted(): void }) {
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const onUser = a.action === 'suspend' || a.action === 'unsuspend' || a.action === 'role';
  return (
    <li class="mod-log__entry" data-testid="audit-entry" data-action={a.action}>
      <time class="muted mod-log__time" dateTime={a.createdAt} title={fullTime(a.createdAt)}>
        {timeAgo(a.createdAt)}
      </time>
      <span class="mod-log__what">
        {a.actor ? <Person user={a.actor} /> : <span class="muted">The operator (command line)</span>} {ACTION_NAMES[a.action]}{' '}
        {!onUser && a.target ? `a ${TARGET_NAMES[a.target.type]} by ` : ''}
        <Person user={a.targetUser} />
        {a.action === 'suspend' && ` ${untilLabel(a.until)}`}
        {a.action === 'role' && ` (now ${a.reason})`}
      </span>
      {a.reason && a.action !== 'role' && <span class="mod-item__note">“{a.reason}”</span>}
      {a.action === 'suspend' && a.targetUser && (
        <span class="mod-log__lift">
          <button
            type="button"
            class="linklike"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const result = await liftSuspension(a.targetUser!.username);
                setNote(result.action ? 'Lifted.' : 'Not suspended any more.');
                if (result.action) onLifted();
              })
            }
            data-testid="audit-lift"
          >
            Lift suspension
          </button>
          {note && <span class="muted"> {note}</span>}
          <InlineError message={error} />
        </span>
      )}
    </li>
  );
}
