// Pure helpers that merge chat messages from HTTP pages, live events and send acks.
// Every source may repeat a message; the id decides, so each shows once.
import type { ChatMessage, PublicUser } from '../../../src/shared/api.js';

/** A join/leave line: live only, never fetched. */
export interface Notice {
  key: string;
  text: string;
  at: number;
}

export type TimelineItem = { kind: 'message'; message: ChatMessage; at: number } | { kind: 'notice'; notice: Notice; at: number };

/** Union by id, oldest first. Later copies win (they are the server's latest word). */
export function mergeMessages(...lists: readonly ChatMessage[][]): ChatMessage[] {
  const byId = new Map<string, ChatMessage>();
  for (const list of lists) for (const m of list) byId.set(m.id, m);
  // Array#sort is stable, so equal timestamps keep arrival order.
  return [...byId.values()].sort((a, b) => time(a.createdAt) - time(b.createdAt));
}

export function buildTimeline(messages: readonly ChatMessage[], notices: readonly Notice[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...messages.map((message) => ({ kind: 'message' as const, message, at: time(message.createdAt) })),
    ...notices.map((notice) => ({ kind: 'notice' as const, notice, at: notice.at })),
  ];
  return items.sort((a, b) => a.at - b.at);
}

export type PresenceChange = { type: 'joined' | 'left'; user: PublicUser };

/** Applies join/leave events on a snapshot; replaying an event already in it changes nothing. */
export function applyPresence(users: readonly PublicUser[], changes: readonly PresenceChange[]): PublicUser[] {
  const byId = new Map(users.map((u) => [u.id, u]));
  for (const c of changes) {
    if (c.type === 'joined') byId.set(c.user.id, c.user);
    else byId.delete(c.user.id);
  }
  return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username));
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}
