// The messages page's list of conversations: the newest page over HTTP, kept live by `dm.unread` on
// the `user` stream (sent to both members after every message and every read): the conversation it
// names is fetched again and put in its place, unread ones first, then by their last message. A
// block either way takes the other's conversation off the list (the server leaves it out too).
import type { Conversation } from '../../../src/shared/community.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { compareIds, fetchConversation, fetchConversations } from './dms-api.js';

export interface ConversationsState {
  items: Conversation[];
  next: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
}

export class ConversationsModel extends LiveModel<ConversationsState> {
  /** Conversations named by events since the newest list fetch began: fetched again once it lands. */
  private touchedSinceReset = new Set<string>();

  constructor() {
    super({ items: [], next: null, loaded: false, loadingMore: false, error: null });
  }

  start(): () => void {
    return this.startLive('user', {
      onEvent: (env) => {
        if (isEvent(env, 'dm.unread')) void this.touch(env.data.conversationId, env.data.unread);
        else if (isEvent(env, 'block.changed')) {
          if (env.data.blocked) this.patch({ items: this.store.get().items.filter((c) => c.with.id !== env.data.userId) });
          else void this.refetch();
        }
      },
    });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.touchedSinceReset = new Set();
    try {
      const page = await fetchConversations();
      if (this.stale(gen)) return;
      this.patch({ items: sortConversations(page.items), next: page.next, loaded: true, error: null });
      // What changed while the page was on its way may or may not be in it: ask again.
      for (const id of this.touchedSinceReset) void this.touch(id);
    } catch (err) {
      if (!this.stale(gen)) this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  loadMore(): Promise<void> {
    return this.loadNextPage('loadingMore', (cursor) => fetchConversations(cursor), (page) => ({
      items: sortConversations(upsert(this.store.get().items, page.items)),
      next: page.next,
    }));
  }

  /** The viewer read a conversation in this tab: its count is 0 without waiting for the event. */
  markSeen(id: string): void {
    this.patch({ items: this.store.get().items.map((c) => (c.id === id && c.unread > 0 ? { ...c, unread: 0 } : c)) });
  }

  private async touch(id: string, unread?: number): Promise<void> {
    this.touchedSinceReset.add(id);
    // The count comes with the event: shown at once, the rest (last message) when it is fetched.
    if (unread !== undefined) {
      const items = this.store.get().items;
      if (items.some((c) => c.id === id)) this.patch({ items: sortConversations(items.map((c) => (c.id === id ? { ...c, unread } : c))) });
    }
    const gen = this.currentGeneration();
    try {
      const conversation = await fetchConversation(id);
      if (this.stale(gen) || !conversation.lastMessage) return;
      this.patch({ items: sortConversations(upsert(this.store.get().items, [conversation])) });
    } catch (err) {
      // Gone from the viewer's reach (a block, a suspension): off the list.
      if (!this.stale(gen) && err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        this.patch({ items: this.store.get().items.filter((c) => c.id !== id) });
      }
    }
  }
}

/** Replaces conversations by id; newer copies win. */
function upsert(items: readonly Conversation[], fresh: readonly Conversation[]): Conversation[] {
  const byId = new Map(items.map((c) => [c.id, c]));
  for (const c of fresh) {
    const old = byId.get(c.id);
    // A copy fetched before a newer message arrived must not move the conversation back.
    if (old?.lastMessage && c.lastMessage && compareIds(c.lastMessage.id, old.lastMessage.id) < 0) continue;
    byId.set(c.id, c);
  }
  return [...byId.values()];
}

/** Unread first, then by last message, as the server lists them. */
export function sortConversations(items: readonly Conversation[]): Conversation[] {
  return [...items].sort((a, b) => {
    const unread = Number(b.unread > 0) - Number(a.unread > 0);
    if (unread !== 0) return unread;
    return compareIds(b.lastMessage?.id ?? '0', a.lastMessage?.id ?? '0');
  });
}
