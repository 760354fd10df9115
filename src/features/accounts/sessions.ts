// Session ids are 256 random bits in the cookie; the store only sees HMAC(SESSION_SECRET, id).
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../../ports/db.js';
import type { SessionStore } from '../../ports/sessions.js';
import { findUserById } from './accounts.repo.js';
import type { Viewer } from './viewer.js';

export const SESSION_COOKIE = 'strobe_sid';
const SID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionsDeps {
  store: SessionStore;
  db: Db;
  secret: string;
  ttlMs: number;
  adminUsers: ReadonlySet<string>;
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  async open(userId: string): Promise<string> {
    const sid = randomBytes(32).toString('base64url');
    await this.deps.store.create(this.key(sid), userId, this.deps.ttlMs);
    return sid;
  }

  async close(sid: string | undefined): Promise<void> {
    if (sid && SID_PATTERN.test(sid)) await this.deps.store.destroy(this.key(sid));
  }

  /** The signed-in user behind a cookie value, or null. */
  async viewer(sid: string | undefined): Promise<Viewer | null> {
    if (!sid || !SID_PATTERN.test(sid)) return null;
    const session = await this.deps.store.get(this.key(sid));
    if (!session) return null;
    const row = await findUserById(this.deps.db, session.userId);
    return row && toViewer(row, this.deps.adminUsers);
  }

  key(sid: string): string {
    return createHmac('sha256', this.deps.secret).update(sid).digest('base64url');
  }
}

export function toViewer(row: { id: string; username: string; is_admin: boolean }, adminUsers: ReadonlySet<string>): Viewer {
  return { id: row.id, username: row.username, isAdmin: row.is_admin || adminUsers.has(row.username) };
}
