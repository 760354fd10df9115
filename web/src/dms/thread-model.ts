// One open conversation: the conversation and its newest messages over HTTP, plus `dm.message` and
// `dm.read` live on dm:<id>, kept consistent across reconnects like a chat room (the subscription
// comes first; its onReset triggers the fetch; what arrives meanwhile is merged on top).
import type { Conversation, DirectMessage } from '../../../src/shared/community.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { compareIds, dmStream, fetchConversation, fetchMessages } from './dms-api.js';
import { onDmDelivered } from './dm-outbox.js';

export interface ThreadState {
  conversation: Conversation | null;
  /** Oldest first. */
  messages: DirectMessage[];
  /** Cursor for older messages; null when the first one is shown. */
  next: string | null;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
  /** Why the conversation cannot be shown: NOT_FOUND (or not the viewer's), BLOCKED. */
  unavailable: { code: string; message: string } | null;
}

export class ThreadModel extends LiveModel<ThreadState> {
  private liveSinceReset: DirectMessage[] = [];
  /** The other member's newest marker heard live since the last fetch. */
  private readSinceReset: string | null = null;

  constructor(
    readonly id: string,
    private readonly selfId: string,
  ) {
    super({ conversation: null, messages: [], next: null, loaded: false, loadingOlder: false, error: null, unavailable: null });
  }

  start(): () => void {
    const stopLive = this.startLive(dmStream(this.id), {
      onEvent: (env) => {
        if (isEvent(env, 'dm.message')) this.addMessage(env.data);
        else if (isEvent(env, 'dm.read') && env.data.userId !== this.selfId) this.otherRead(env.data.readUpTo);
      },
      // FORBIDDEN (not a member, a block): HTTP says which, in words the page can show.
      onError: () => void this.refetch(),
    });
    const stopDelivered = onDmDelivered((m) => m.conversationId === this.id && this.addMessage(m));
    return () => {
      stopLive();
      stopDelivered();
    };
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceReset = [];
    this.readSinceReset = null;
    try {
      const [conversation, page] = await Promise.all([fetchConversation(this.id), fetchMessages(this.id)]);
      if (this.stale(gen)) return;
      const readUpTo = maxId(conversation.readUpTo, this.readSinceReset);
      this.patch({
        conversation: { ...conversation, readUpTo },
        // Only the newest page plus what came live: older pages loaded before might not join up.
        messages: mergeMessages([...page.items].reverse(), this.liveSinceReset),
        next: page.next,
        loaded: true,
        error: null,
        unavailable: null,
      });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        this.patch({ unavailable: { code: err.code, message: err.message }, loaded: true });
      } else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  loadOlder(): Promise<void> {
    return this.loadNextPage('loadingOlder', (cursor) => fetchMessages(this.id, cursor), (page) => ({
      messages: mergeMessages([...page.items].reverse(), this.store.get().messages),
      next: page.next,
      error: null,
    }));
  }

  private addMessage(message: DirectMessage): void {
    if (this.closed) return;
    this.liveSinceReset.push(message);
    this.patch({ messages: mergeMessages(this.store.get().messages, [message]) });
  }

  private otherRead(upTo: string): void {
    this.readSinceReset = maxId(this.readSinceReset, upTo);
    const conversation = this.store.get().conversation;
    if (conversation) this.patch({ conversation: { ...conversation, readUpTo: maxId(conversation.readUpTo, upTo) } });
  }
}

/** Union by id, oldest first; later copies win. */
export function mergeMessages(...lists: readonly DirectMessage[][]): DirectMessage[] {
  const byId = new Map<string, DirectMessage>();
  for (const list of lists) for (const m of list) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

function maxId(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareIds(a, b) >= 0 ? a : b;
}
