// The chat part of the HTTP API.
import type { ChatMessage, ChatRoom, Page, PublicUser } from '../../../src/shared/api.js';
import { api, withQuery } from '../lib/api.js';

export const HISTORY_PAGE = 50;

const roomPath = (room: string): string => `/api/chat/rooms/${encodeURIComponent(room)}`;

export const chatStream = (room: string): string => `chat:${room}`;

export function listRooms(before?: string | null): Promise<Page<ChatRoom>> {
  return api('GET', withQuery('/api/chat/rooms', { limit: 100, before }));
}

export function createRoom(name: string): Promise<unknown> {
  return api('POST', '/api/chat/rooms', { name });
}

/** Newest first, as the server pages it. */
export function fetchHistory(room: string, before?: string | null): Promise<Page<ChatMessage>> {
  return api('GET', withQuery(`${roomPath(room)}/messages`, { limit: HISTORY_PAGE, before }));
}

export function fetchPresence(room: string): Promise<{ items: PublicUser[] }> {
  return api('GET', `${roomPath(room)}/presence`);
}
