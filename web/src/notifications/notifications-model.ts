// The signed-in user's notifications: the newest page over HTTP plus `notification` events on
// the `user` stream, merged by id (newest first), with the unread count kept live.
import type { Notification } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { live } from '../lib/live.js';
import { createStore, type Store } from '../lib/store.js';
import { fetchNotifications, markAllRead } from './notifications-api.js';
import { mergeNotifications } from './notification-list.js';

export interface NotificationsState {
  items: Notification[];
  unread: number;
  next: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
}

export class NotificationsModel {
  readonly store: Store<NotificationsState> = createStore<NotificationsState>({
    items: [],
    unread: 0,
    next: null,
    loaded: false,
    loadingMore: false,
    error: null,
  });
  private generation = 0;
  private liveSinceReset: Notification[] = [];
  private closed = false;

  start(): () => void {
    const unsubscribe = live.subscribe('user', {
      onEvent: (env) => isEvent(env, 'notification') && this.add(env.data),
      onReset: () => void this.refetch(),
    });
    if (!live.connected) void this.refetch();
    return () => {
      this.closed = true;
      unsubscribe();
    };
  }

  async refetch(): Promise<void> {
    const gen = ++this.generation;
    this.liveSinceReset = [];
    try {
      const page = await fetchNotifications();
      if (this.stale(gen)) return;
      // Events that raced the fetch may or may not be in its count: count those it lacks.
      const known = new Set(page.items.map((n) => n.id));
      const extra = this.liveSinceReset.filter((n) => !known.has(n.id));
      this.patch({
        items: mergeNotifications(page.items, extra),
        unread: page.unread + extra.filter((n) => !n.read).length,
        next: page.next,
        loaded: true,
        error: null,
      });
    } catch (err) {
      if (!this.stale(gen)) this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  async loadMore(): Promise<void> {
    const { next, loadingMore } = this.store.get();
    if (!next || loadingMore) return;
    const gen = this.generation;
    this.patch({ loadingMore: true });
    try {
      const page = await fetchNotifications(next);
      if (this.stale(gen)) return;
      this.patch({ items: mergeNotifications(this.store.get().items, page.items), next: page.next, loadingMore: false });
    } catch (err) {
      if (!this.stale(gen)) this.patch({ loadingMore: false, error: errorMessage(err) });
    }
  }

  /**
   * Tells the server everything is read and zeroes the count. The items keep their `read` flags
   * until `settle()`, so the open panel can still highlight what was new.
   */
  async markRead(): Promise<void> {
    if (this.store.get().unread === 0) return;
    this.patch({ unread: 0 });
    try {
      await markAllRead();
    } catch (err) {
      this.patch({ error: errorMessage(err) });
    }
  }

  /** The panel closed: what it showed is read now. */
  settle(): void {
    this.patch({ items: this.store.get().items.map((n) => (n.read ? n : { ...n, read: true })) });
  }

  private add(n: Notification): void {
    this.liveSinceReset.push(n);
    const state = this.store.get();
    if (state.items.some((i) => i.id === n.id)) return;
    this.patch({ items: mergeNotifications([n], state.items), unread: state.unread + (n.read ? 0 : 1) });
  }

  private stale(gen: number): boolean {
    return this.closed || gen !== this.generation;
  }

  private patch(changes: Partial<NotificationsState>): void {
    if (!this.closed) this.store.update((s) => ({ ...s, ...changes }));
  }
}
