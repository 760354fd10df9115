// Session ids are 256 random bits in the cookie; the store only sees HMAC(SESSION_SECRET, id).
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../../ports/db.js';
import type { SessionStore } from '../../ports/sessions.js';
import { BatchedReads } from '../../adapters/db/batched-reads.js';
import { findUsersByIds, type UserRow } from './accounts.repo.js';
import { publicUser, type UserColumns } from '../profiles/public-user.js';
import type { Viewer } from './viewer.js';

export const SESSION_COOKIE = 'strobe_sid';
const SID_PATTERN = /^[\w-]{43}$/;

export interface SessionsDeps {
  store: SessionStore;
  db: Db;
  secret: string;
  ttlMs: number;
  adminUsers: ReadonlySet<string>;
}

export interface OpenSession {
  /** The store key (the HMAC of the cookie's id), as `session.ended` names the session. */
  key: string;
  viewer: Viewer;
  /** Ms since epoch. */
  expiresAt: number;
}

export class Sessions {
  /**
   * The account behind each request's session, read fresh every time (a suspension or a deletion
   * takes effect on the next request) but in batches: the reads that arrive while one is running
   * share the next query (adapters/db/batched-reads.ts).
   */
  private readonly users: BatchedReads<string, UserRow>;

  constructor(private readonly deps: SessionsDeps) {
    this.users = new BatchedReads((ids) => findUsersByIds(deps.db, ids), (id) => id);
  }

  /** SESSION_SECRET, for features that derive keys of their own from it (device cookies). */
  get secret(): string {
    return this.deps.secret;
  }

  async open(userId: string): Promise<string> {
    const sid = randomBytes(32).toString('base64url');
    await this.deps.store.create(this.key(sid), userId, this.deps.ttlMs);
    return sid;
  }

  /** How long a session lasts from sign-in (sessions do not slide). */
  get ttlMs(): number {
    return this.deps.ttlMs;
  }

  /**
   * True when a live session ended: only then may its sockets (on every instance) be told, so a
   * made-up cookie cannot make every instance scan its sockets.
   */
  async close(sid: string | undefined): Promise<boolean> {
    return sid !== undefined && SID_PATTERN.test(sid) && (await this.deps.store.destroy(this.key(sid)));
  }

  /**
   * Ends every session of a user but the one with store key `exceptKey`; returns the store keys of
   * the live sessions that ended. Their sockets are the caller's to end (see accounts.settings.ts).
   */
  async closeAllOf(userId: string, exceptKey?: string): Promise<string[]> {
    return this.deps.store.destroyByUser(userId, exceptKey);
  }

  /** The signed-in user behind a cookie value, or null. */
  async viewer(sid: string | undefined): Promise<Viewer | null> {
    return (await this.session(sid))?.viewer ?? null;
  }

  /** The live session behind a cookie value, with its store key and when it expires; or null. */
  async session(sid: string | undefined): Promise<OpenSession | null> {
    if (!sid || !SID_PATTERN.test(sid)) return null;
    const key = this.key(sid);
    const session = await this.deps.store.get(key);
    if (!session) return null;
    const row = /^\d{1,18}$/.test(session.userId) ? await this.users.read(session.userId) : undefined;
    // A suspended user is signed out everywhere at once: their old cookie opens nothing (401), even on
    // an instance that missed the news of the suspension.
    if (!row || row.suspended) return null;
    return { key, viewer: toViewer(row, this.deps.adminUsers), expiresAt: session.expiresAt };
  }

  key(sid: string): string {
    return createHmac('sha256', this.deps.secret).update(sid).digest('base64url');
  }
}

export function toViewer(row: UserColumns & { username: string; is_admin: boolean; is_moderator: boolean }, adminUsers: ReadonlySet<string>): Viewer {
  return { ...publicUser(row), isAdmin: row.is_admin || adminUsers.has(row.username), isModerator: row.is_moderator };
}
