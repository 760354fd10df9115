// Hooks that open the models while a component is mounted.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { DirectMessage } from '../../../src/shared/community.js';
import { useStore } from '../lib/store.js';
import { ConversationsModel, type ConversationsState } from './conversations-model.js';
import { compareIds, markRead } from './dms-api.js';
import { ThreadModel, type ThreadState } from './thread-model.js';
import { setUnreadTotal } from './unread.js';

export function useConversations(): { state: ConversationsState; model: ConversationsModel } {
  const model = useMemo(() => new ConversationsModel(), []);
  useEffect(() => model.start(), [model]);
  return { state: useStore(model.store), model };
}

export interface ThreadView {
  state: ThreadState;
  loadOlder(): void;
  /** Starts over: a fresh subscription and a fresh fetch. */
  reload(): void;
}

export function useThread(id: string, selfId: string): ThreadView {
  const [attempt, setAttempt] = useState(0);
  const model = useMemo(() => new ThreadModel(id, selfId), [id, selfId, attempt]);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  return { state, loadOlder: () => void model.loadOlder(), reload: () => setAttempt((n) => n + 1) };
}

/**
 * Marks the conversation read up to its newest message from the other member whenever the thread
 * is on screen (the tab visible): on arrival, as messages come in, and when the tab comes back.
 * `onRead` hears of each conversation read, for the list beside it.
 */
export function useMarkRead(id: string, messages: readonly DirectMessage[], selfId: string, onRead?: (id: string) => void): void {
  const marked = useRef<string | null>(null);
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  useEffect(() => {
    marked.current = null;
  }, [id]);
  let newest: string | null = null;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.user.id !== selfId) {
      newest = messages[i]!.id;
      break;
    }
  }
  useEffect(() => {
    if (!visible || newest === null || (marked.current !== null && compareIds(newest, marked.current) <= 0)) return;
    marked.current = newest;
    onRead?.(id);
    markRead(id, newest)
      .then((r) => setUnreadTotal(r.total))
      .catch(() => {
        // Not fatal: the next message or visit marks it again.
        if (marked.current === newest) marked.current = null;
      });
  }, [id, newest, visible]);
}
