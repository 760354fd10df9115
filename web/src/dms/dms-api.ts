// The private-messages part of the HTTP API (the server's rights and codes: src/features/dms).
import type { Page } from '../../../src/shared/api.js';
import type { Conversation, DirectMessage } from '../../../src/shared/community.js';
import { api, withQuery } from '../lib/api.js';

export const HISTORY_PAGE = 50;
export const LIST_PAGE = 50;

export const dmStream = (conversationId: string): string => `dm:${conversationId}`;

export type ConversationsPage = Page<Conversation> & { unread: number };

/** The conversation with this user, made if it did not exist. */
export async function openConversation(username: string): Promise<Conversation> {
  return (await api<{ conversation: Conversation }>('POST', '/api/conversations', { username })).conversation;
}

/** Unread first, then by last message; with the unread total. */
export function fetchConversations(before?: string | null, limit = LIST_PAGE): Promise<ConversationsPage> {
  return api('GET', withQuery('/api/conversations', { limit, before }));
}

export async function fetchConversation(id: string): Promise<Conversation> {
  return (await api<{ conversation: Conversation }>('GET', `/api/conversations/${encodeURIComponent(id)}`)).conversation;
}

/** Newest first, as the server pages it. */
export function fetchMessages(id: string, before?: string | null): Promise<Page<DirectMessage>> {
  return api('GET', withQuery(`/api/conversations/${encodeURIComponent(id)}/messages`, { limit: HISTORY_PAGE, before }));
}

/** The same clientId again returns the first message: a retry cannot post twice. */
export async function postMessage(id: string, text: string, clientId: string): Promise<DirectMessage> {
  return (await api<{ message: DirectMessage }>('POST', `/api/conversations/${encodeURIComponent(id)}/messages`, { text, clientId })).message;
}

export function markRead(id: string, upTo: string): Promise<{ readUpTo: string | null; unread: number; total: number }> {
  return api('POST', `/api/conversations/${encodeURIComponent(id)}/read`, { upTo });
}

/** Message ids are numbers that grow: compared by length first, they sort without a BigInt. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
