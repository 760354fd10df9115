// The signed-in user's notifications: the newest page over HTTP plus `notification` events on
// the `user` stream, merged by id (newest first), with the unread count kept live.
import type { Notification } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
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

export class NotificationsModel extends LiveModel<NotificationsState> {
  private liveSinceReset: Notification[] = [];

  constructor() {
    super({ items: [], unread: 0, next: null, loaded: false, loadingMore: false, error: null });
  }

  start(): () => void {
    return this.startLive('user', { onEvent: (env) => isEvent(env, 'notification') && this.add(env.data) });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
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

  loadMore(): Promise<void> {
    return this.loadNextPage('loadingMore', fetchNotifications, (page) => ({
      items: mergeNotifications(this.store.get().items, page.items),
      next: page.next,
    }));
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
}
