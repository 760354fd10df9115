// Messages the user sent that the server has not confirmed yet. Each keeps its clientId for
// life, so a retry after a timeout or a reconnect cannot post twice (the server dedupes on it).
// Sends go one at a time, oldest first, so a room's messages keep the order they were typed in.
import type { ChatMessage } from '../../../src/shared/api.js';
import { live, NotConnectedError } from '../lib/live.js';
import { createStore } from '../lib/store.js';

export interface PendingMessage {
  clientId: string;
  room: string;
  text: string;
  /** `sending` is retried automatically; `failed` waits for the user (Retry or Discard). */
  status: 'sending' | 'failed';
  error?: string;
}

const RETRY_AFTER_TIMEOUT_MS = 2_000;

export const outbox = createStore<PendingMessage[]>([]);

const deliveredListeners = new Set<(message: ChatMessage) => void>();
let pumping = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

/** The room view merges confirmed messages through this, deduplicating by id. */
export function onDelivered(listener: (message: ChatMessage) => void): () => void {
  deliveredListeners.add(listener);
  return () => deliveredListeners.delete(listener);
}

export function sendMessage(room: string, text: string): void {
  outbox.update((list) => [...list, { clientId: crypto.randomUUID(), room, text, status: 'sending' }]);
  void pump();
}

export function retryMessage(clientId: string): void {
  patch(clientId, { status: 'sending', error: undefined });
  void pump();
}

/** On sign-out or a change of user: nobody may send what someone else typed. */
export function clearOutbox(): void {
  outbox.set([]);
}

export function discardMessage(clientId: string): void {
  outbox.update((list) => list.filter((m) => m.clientId !== clientId));
}

live.onConnect(() => void pump());

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const next = outbox.get().find((m) => m.status === 'sending');
      if (!next || !live.connected) return;
      const done = await sendOne(next);
      if (!done) return;
    }
  } finally {
    pumping = false;
  }
}

/** False when the attempt should be repeated later (not connected, or no answer in time). */
async function sendOne(m: PendingMessage): Promise<boolean> {
  try {
    const ack = await live.sendChat({ room: m.room, text: m.text, clientId: m.clientId });
    if (ack.ok) {
      discardMessage(m.clientId);
      for (const listener of [...deliveredListeners]) listener(ack.message);
    } else {
      patch(m.clientId, { status: 'failed', error: ack.error.message || ack.error.code });
    }
    return true;
  } catch (err) {
    // Not connected: the next connect pumps again. Timed out: the server may have it already;
    // ask again with the same clientId shortly, or on reconnect, whichever comes first.
    if (!(err instanceof NotConnectedError)) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void pump(), RETRY_AFTER_TIMEOUT_MS);
    }
    return false;
  }
}

function patch(clientId: string, changes: Partial<PendingMessage>): void {
  outbox.update((list) => list.map((m) => (m.clientId === clientId ? { ...m, ...changes } : m)));
}
