// Merging notifications from the HTTP page and live events: each id once, newest first.
import type { Notification } from '../../../src/shared/api.js';
import { compareIds, isoTime } from '../lib/order.js';

/** Union by id, newest first; the first copy of an id wins (live copies come first). */
export function mergeNotifications(...lists: readonly Notification[][]): Notification[] {
  const byId = new Map<string, Notification>();
  for (const list of lists) for (const n of list) if (!byId.has(n.id)) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => isoTime(b.createdAt) - isoTime(a.createdAt) || compareIds(b.id, a.id));
}
