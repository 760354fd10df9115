// Private messages the user sent that the server has not confirmed yet, like the chat outbox: each
// keeps its clientId for life, so a retry after a timeout or a lost connection cannot post twice
// (the server answers the first message again). Sends go over HTTP, one at a time, oldest first, so
// a conversation's messages keep the order they were typed in.
import type { DirectMessage } from '../../../src/shared/community.js';
import { ApiError } from '../lib/api.js';
import { live } from '../lib/live.js';
import { currentUser, session } from '../lib/session.js';
import { createStore } from '../lib/store.js';
import { postMessage } from './dms-api.js';

export interface PendingDm {
  clientId: string;
  conversationId: string;
  text: string;
  /** `sending` is retried automatically; `failed` waits for the user (Retry or Discard). */
  status: 'sending' | 'failed';
  error?: string;
}

const RETRY_MS = 2_000;

export const dmOutbox = createStore<PendingDm[]>([]);

const deliveredListeners = new Set<(message: DirectMessage) => void>();
let pumping = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

/** The thread merges confirmed messages through this, deduplicating by id. */
export function onDmDelivered(listener: (message: DirectMessage) => void): () => void {
  deliveredListeners.add(listener);
  return () => deliveredListeners.delete(listener);
}

export function sendDm(conversationId: string, text: string): void {
  dmOutbox.update((list) => [...list, { clientId: crypto.randomUUID(), conversationId, text, status: 'sending' }]);
  void pump();
}

export function retryDm(clientId: string): void {
  patch(clientId, { status: 'sending', error: undefined });
  void pump();
}

export function discardDm(clientId: string): void {
  dmOutbox.update((list) => list.filter((m) => m.clientId !== clientId));
}

// Back online: what waited goes out.
live.onConnect(() => void pump());

// On sign-out or a change of user: nobody may send what someone else typed.
let owner = currentUser()?.id;
session.subscribe(() => {
  const now = currentUser()?.id;
  if (now === owner) return;
  owner = now;
  dmOutbox.set([]);
});

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const next = dmOutbox.get().find((m) => m.status === 'sending');
      if (!next || !(await sendOne(next))) return;
    }
  } finally {
    pumping = false;
  }
}

/** False when the attempt should be repeated later (no answer, or the server is struggling). */
async function sendOne(m: PendingDm): Promise<boolean> {
  try {
    const message = await postMessage(m.conversationId, m.text, m.clientId);
    discardDm(m.clientId);
    for (const listener of [...deliveredListeners]) listener(message);
    return true;
  } catch (err) {
    // A refusal (4xx but a rate limit) is final until the user says otherwise; anything else may
    // have reached the server or not: ask again with the same clientId.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
      patch(m.clientId, { status: 'failed', error: err.message });
      return true;
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void pump(), RETRY_MS);
    return false;
  }
}

function patch(clientId: string, changes: Partial<PendingDm>): void {
  dmOutbox.update((list) => list.map((m) => (m.clientId === clientId ? { ...m, ...changes } : m)));
}
