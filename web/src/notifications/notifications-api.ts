import type { NotificationPage } from '../../../src/shared/api.js';
import { api, withQuery } from '../lib/api.js';

export const NOTIFICATIONS_PAGE = 20;

export function fetchNotifications(before?: string | null): Promise<NotificationPage> {
  return api('GET', withQuery('/api/notifications', { limit: NOTIFICATIONS_PAGE, before }));
}

export function markAllRead(): Promise<void> {
  return api('POST', '/api/notifications/read');
}
