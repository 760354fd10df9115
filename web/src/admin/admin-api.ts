import type { AdminOverview, RetryDeadResult } from '../../../src/shared/api.js';
import { api } from '../lib/api.js';

export function fetchOverview(): Promise<AdminOverview> {
  return api('GET', '/api/admin/overview');
}

export function retryDead(queue: string): Promise<RetryDeadResult> {
  return api('POST', `/api/admin/dead/${encodeURIComponent(queue)}/retry`);
}
