// One open chat room: history over HTTP plus live events, kept consistent across reconnects.
// The live subscription comes first; its onReset (first subscribe, or replay impossible) is
// what triggers the HTTP fetch, so no message can fall between the page and the stream.
// Events that arrive while a fetch is in flight are kept aside and merged on top of its result.
// Presence notices are live only (the server never replays them), so a resubscription that
// recovered every message still refetches the presence list, once the server has answered it.
import type { ChatMessage, PublicUser } from '../../../src/shared/api.js';
import type { Envelope, EventType } from '../../../src/shared/realtime.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { LiveModel } from '../lib/live-model.js';
import { chatStream, fetchHistory, fetchPresence } from './chat-api.js';
import { onDelivered } from './outbox.js';
import { applyPresence, mergeMessages, type Notice, type PresenceChange } from './timeline.js';

export interface RoomState {
  messages: ChatMessage[];
  notices: Notice[];
  /** Cursor for older history; null when the oldest message is shown. */
  next: string | null;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
  /** The room does not exist (404 over HTTP, NOT_FOUND on subscribe). */
  missing: boolean;
  presence: PublicUser[];
}

const MAX_NOTICES = 100;

export class RoomModel extends LiveModel<RoomState> {
  private liveSinceReset: ChatMessage[] = [];
  /** Messages a moderator removed while the room was open. */
  private readonly removed = new Set<string>();
  /** Presence events since the newest presence fetch began, to apply on top of its answer. */
  private presenceSinceFetch: PresenceChange[] = [];
  /** Bumped by every presence fetch: only the newest one's answer is applied. */
  private presenceFetches = 0;

  constructor(
    readonly room: string,
    private readonly selfId: string | undefined,
  ) {
    super({
      messages: [],
      notices: [],
      next: null,
      loaded: false,
      loadingOlder: false,
      error: null,
      missing: false,
      presence: [],
    });
  }

  /** Returns the cleanup to run when the room is left. */
  start(): () => void {
    const stopLive = this.startLive(chatStream(this.room), {
      onEvent: (env) => this.handleEvent(env),
      // From the server's answer on, every notice reaches us live: a fetch begun now misses none.
      onRecovered: () => void this.refetchPresence(),
      onError: (err) => this.patch(err.code === 'NOT_FOUND' ? { missing: true, loaded: true } : { error: err.message }),
    });
    const stopDelivered = onDelivered((m) => m.room === this.room && this.addMessage(m));
    return () => {
      stopLive();
      stopDelivered();
    };
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceReset = [];
    await Promise.all([this.refetchHistory(gen), this.refetchPresence()]);
  }

  loadOlder(): Promise<void> {
    return this.loadNextPage('loadingOlder', (cursor) => fetchHistory(this.room, cursor), (page) => ({
      messages: mergeMessages([...page.items].reverse(), this.store.get().messages),
      next: page.next,
      error: null,
    }));
  }

  private async refetchHistory(gen: number): Promise<void> {
    try {
      const page = await fetchHistory(this.room);
      if (this.stale(gen)) return;
      // Only the newest page plus what came live: older pages loaded before might no longer
      // join up with it, and a gap would be worse than scrolling back again.
      const messages = mergeMessages([...page.items].reverse(), this.liveSinceReset).filter((m) => !this.removed.has(m.id));
      this.patch({ messages, next: page.next, loaded: true, error: null });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && err.status === 404) this.patch({ missing: true, loaded: true });
      else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  private async refetchPresence(): Promise<void> {
    const attempt = ++this.presenceFetches;
    // Older events are in the answer already, and applying them again could undo a later change.
    this.presenceSinceFetch = [];
    try {
      const { items } = await fetchPresence(this.room);
      if (!this.closed && attempt === this.presenceFetches) this.patch({ presence: applyPresence(items, this.presenceSinceFetch) });
    } catch {
      // The history error already tells the user; presence alone is not worth a second alert.
    }
  }

  private handleEvent(env: Envelope): void {
    if (is(env, 'chat.message')) this.addMessage(env.data);
    else if (is(env, 'presence.joined')) this.changePresence({ type: 'joined', user: env.data.user }, env.ts);
    else if (is(env, 'presence.left')) this.changePresence({ type: 'left', user: env.data.user }, env.ts);
    else if (is(env, 'chat.deleted')) this.removeMessage(env.data.id);
  }

  /** A moderator removed it: it leaves the room, and a history fetch that still had it cannot bring it back. */
  private removeMessage(id: string): void {
    this.removed.add(id);
    this.liveSinceReset = this.liveSinceReset.filter((m) => m.id !== id);
    this.patch({ messages: this.store.get().messages.filter((m) => m.id !== id) });
  }

  private addMessage(message: ChatMessage): void {
    if (this.closed) return;
    this.liveSinceReset.push(message);
    this.patch({ messages: mergeMessages(this.store.get().messages, [message]) });
  }

  private changePresence(change: PresenceChange, at: number): void {
    this.presenceSinceFetch.push(change);
    const state = this.store.get();
    const presence = applyPresence(state.presence, [change]);
    let notices = state.notices;
    if (change.user.id !== this.selfId) {
      const verb = change.type === 'joined' ? 'joined' : 'left';
      const notice = { key: `${change.type}:${change.user.id}:${at}`, text: `${change.user.username} ${verb}`, at };
      notices = [...notices, notice].slice(-MAX_NOTICES);
    }
    this.patch({ presence, notices });
  }
}

function is<T extends EventType>(env: Envelope, type: T): env is Envelope<T> {
  return env.type === type;
}
