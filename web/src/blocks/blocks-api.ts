// Blocking over HTTP (PUT/DELETE /api/users/:username/block, GET /api/me/blocks).
import type { Page } from '../../../src/shared/api.js';
import type { BlockedUser } from '../../../src/shared/community.js';
import { api } from '../lib/api.js';

export function setBlocking(username: string, blocking: boolean): Promise<{ blocking: boolean }> {
  return api(blocking ? 'PUT' : 'DELETE', `/api/users/${encodeURIComponent(username)}/block`);
}

export function listBlocked(before: string | null): Promise<Page<BlockedUser>> {
  return api('GET', `/api/me/blocks?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`);
}
