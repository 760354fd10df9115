// The bell in the top bar: a live unread count and a panel of notifications. Opening the panel
// marks everything read (and so does a notification arriving while it is open).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { NotificationsModel } from '../../notifications/notifications-model.js';
import { useStore } from '../../lib/store.js';
import { Alert } from '../alert.js';
import { BellIcon } from '../icons.js';
import { NotificationItem } from './notification-item.js';

export function NotificationBell() {
  const model = useMemo(() => new NotificationsModel(), []);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open && state.unread > 0) void model.markRead();
  }, [open, state.unread, model]);

  const close = () => {
    setOpen(false);
    model.settle();
  };

  // Close on a click elsewhere or Escape, as menus do.
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => !root.current?.contains(e.target as Node) && close();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const label = state.unread > 0 ? `Notifications, ${state.unread} unread` : 'Notifications';
  return (
    <div class="bell" ref={root}>
      <button
        type="button"
        class="bell__btn btn btn--small btn--ghost"
        aria-label={label}
        aria-expanded={open}
        aria-controls="notifications-panel"
        onClick={() => (open ? close() : setOpen(true))}
        data-testid="bell"
      >
        <BellIcon />
        {state.unread > 0 && (
          <span class="bell__badge" data-testid="unread-count" aria-hidden="true">
            {state.unread > 99 ? '99+' : state.unread}
          </span>
        )}
      </button>
      {open && (
        <section id="notifications-panel" class="bell__panel" aria-label="Notifications" data-testid="notifications">
          <h2 class="panel-title">Notifications</h2>
          {state.error && <Alert onRetry={() => void model.refetch()}>{state.error}</Alert>}
          {state.loaded && state.items.length === 0 && <p class="muted bell__empty">Nothing yet. Likes, follows and your uploads show up here.</p>}
          <ul class="bell__list">
            {state.items.map((n) => (
              <NotificationItem key={n.id} n={n} onNavigate={close} />
            ))}
          </ul>
          {state.next && (
            <button type="button" class="btn btn--small btn--ghost btn--block" onClick={() => void model.loadMore()} disabled={state.loadingMore}>
              {state.loadingMore ? 'Loading…' : 'Older notifications'}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
