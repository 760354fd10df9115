// Account settings: change the password, sign out everywhere, delete the account, export its data.
// Each asks for the password (except signing out everywhere) with its own guessing budget, ends the
// user's other sessions on every instance with one `user.sessions-ended` event, and leaves the slow
// work (deleting, zipping) to jobs (accounts.jobs.ts).
import { hash, verify } from '@node-rs/argon2';
import type { Readable } from 'node:stream';
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { Db } from '../../ports/db.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limit.js';
import type { AccountExport } from '../../shared/api.js';
import { findUserById } from './accounts.repo.js';
import type { Sessions } from './sessions.js';
import type { Viewer } from './viewer.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const SETTINGS_LIMITS = {
  /** Password checks of a signed-in user (password change, account deletion): as sign-in guessing per account and device. */
  passwordChecksPerUser: { limit: 10, windowMs: 15 * MINUTE },
  exportsPerUser: { limit: 1, windowMs: 60 * MINUTE },
} as const;

/** How long a deleted account's username cannot be registered again. */
export const USERNAME_HOLD_MS = 30 * DAY;
/** How long an export can be downloaded once it is ready. */
export const EXPORT_TTL_MS = 7 * DAY;

export const wrongPassword = () => new AppError('WRONG_PASSWORD', 403, 'That is not your current password.');

export interface SettingsDeps {
  db: Db;
  sessions: Sessions;
  limiter: RateLimiter;
  /** Where exports are kept (the uploads store: never served under /media). */
  uploads: BlobStore;
  /**
   * Every session of the user but `exceptKey` ended: disconnects their sockets on this instance at
   * once and tells every other instance (one `user.sessions-ended` event on the sessions stream).
   */
  onSessionsEnded(userId: string, exceptKey: string | null): void;
}

export class AccountSettings {
  constructor(private readonly deps: SettingsDeps) {}

  /** Sets a new password; every session ends and a fresh one (returned) replaces the caller's. */
  async changePassword(viewer: Viewer, current: string, next: string): Promise<{ sid: string }> {
    await this.checkPassword(viewer, current);
    const updated = await this.deps.db.query('update users set password_hash = $2 where id = $1 and deleted_at is null returning 1', [viewer.id, await hash(next)]);
    if (updated.length === 0) throw errors.unauthenticated();
    const sid = await this.deps.sessions.open(viewer.id);
    const keep = this.deps.sessions.key(sid);
    await this.deps.sessions.closeAllOf(viewer.id, keep);
    this.deps.onSessionsEnded(viewer.id, keep);
    return { sid };
  }

  /** Ends every session of the user, the caller's included. */
  async logoutAll(viewer: Viewer): Promise<void> {
    await this.deps.sessions.closeAllOf(viewer.id);
    this.deps.onSessionsEnded(viewer.id, null);
  }

  /**
   * Marks the account deleted and starts the `account.delete` job, in one transaction: from the
   * commit on, nobody signs in to it, its sessions are gone, its photos are on no wall, feed or
   * profile (status `deleting`) and its username is held for USERNAME_HOLD_MS.
   */
  async deleteAccount(viewer: Viewer, password: string): Promise<void> {
    await this.checkPassword(viewer, password);
    const marked = await this.deps.db.tx(async (q) => {
      const [user] = await q.query<{ username: string }>(
        'update users set deleted_at = now(), is_admin = false where id = $1 and deleted_at is null returning username',
        [viewer.id],
      );
      if (!user) return false;
      await q.query(
        `insert into username_holds (username, until) values ($1, now() + make_interval(secs => $2))
         on conflict (username) do update set until = excluded.until`,
        [user.username, USERNAME_HOLD_MS / 1000],
      );
      // The photos leave every list at once; the cities stop counting the ready ones now.
      await q.query(
        `update cities c set photos_count = c.photos_count - n.n
         from (select city_id, count(*)::int as n from photos where owner_id = $1 and status = 'ready' and city_id is not null group by city_id) n
         where c.id = n.city_id`,
        [viewer.id],
      );
      await q.query(`update photos set status = 'deleting' where owner_id = $1 and status <> 'deleting'`, [viewer.id]);
      await enqueue(q, 'account.delete', { userId: viewer.id });
      return true;
    });
    if (!marked) throw errors.unauthenticated();
    await this.deps.sessions.closeAllOf(viewer.id);
    this.deps.onSessionsEnded(viewer.id, null);
  }

  /** Starts an export (the `account.export` job); the user is notified (`export.ready`) when it can be downloaded. */
  async requestExport(viewer: Viewer): Promise<AccountExport> {
    await this.limit(`account:export:${viewer.id}`, SETTINGS_LIMITS.exportsPerUser, (wait) => `You can ask for one export an hour. Try again in ${wait}.`);
    return this.deps.db.tx(async (q) => {
      const [row] = await q.query<ExportRow>(
        `insert into account_exports (user_id, expires_at) values ($1, now() + make_interval(secs => $2))
         returning id, status, created_at, expires_at, size`,
        [viewer.id, EXPORT_TTL_MS / 1000],
      );
      await enqueue(q, 'account.export', { exportId: row!.id });
      return toExport(row!);
    });
  }

  /** The user's unexpired exports, newest first (at most EXPORTS_LISTED): pending, ready or failed. */
  async exports(viewer: Viewer): Promise<AccountExport[]> {
    const rows = await this.deps.db.query<ExportRow>(
      `select id, status, created_at, expires_at, size from account_exports where user_id = $1 and expires_at > now() order by id desc limit $2`,
      [viewer.id, EXPORTS_LISTED],
    );
    return rows.map(toExport);
  }

  /** The owner's ready, unexpired export as a stream; NOT_FOUND for anything else (someone else's, pending, expired). */
  async exportFile(viewer: Viewer, id: string): Promise<{ body: Readable; size: number; name: string }> {
    if (!/^\d{1,18}$/.test(id)) throw errors.notFound('The export');
    const [row] = await this.deps.db.query<{ blob_key: string; created_at: Date }>(
      `select blob_key, created_at from account_exports
       where id = $1 and user_id = $2 and status = 'ready' and expires_at > now() and blob_key is not null`,
      [id, viewer.id],
    );
    const blob = row ? await this.deps.uploads.get(row.blob_key) : null;
    if (!row || !blob) throw errors.notFound('The export');
    return { body: blob.body, size: blob.size, name: `strobe-${viewer.username}-${row.created_at.toISOString().slice(0, 10)}.zip` };
  }

  /** Verifies the signed-in user's password within their guessing budget; a success refills it. */
  private async checkPassword(viewer: Viewer, password: string): Promise<void> {
    const key = `account:password:${viewer.id}`;
    await this.limit(key, SETTINGS_LIMITS.passwordChecksPerUser, (wait) => `Too many wrong passwords. Try again in ${wait}.`);
    const row = await findUserById(this.deps.db, viewer.id);
    if (!row) throw errors.unauthenticated();
    const ok = await verify(row.password_hash, password).catch(() => false);
    if (!ok) throw wrongPassword();
    await this.deps.limiter.reset(key);
  }

  private async limit(key: string, rule: RateRule, message: (wait: string) => string): Promise<void> {
    const d = await this.deps.limiter.hit(key, rule);
    if (!d.allowed) throw errors.rateLimitedWith(d.retryAfterMs, message(humanWait(d.retryAfterMs)));
  }
}

interface ExportRow {
  id: string;
  status: 'pending' | 'ready' | 'failed';
  created_at: Date;
  expires_at: Date;
  size: string | null;
}

/** One export an hour for 7 days: a week's worth at most, and that is plenty to show. */
const EXPORTS_LISTED = 10;

export const exportUrl = (id: string) => `/api/me/exports/${id}`;

function toExport(r: ExportRow): AccountExport {
  return { id: r.id, status: r.status, url: exportUrl(r.id), createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString() };
}

function humanWait(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.ceil(s / 60);
  return min < 90 ? `${min} min` : `${Math.ceil(min / 60)} h`;
}
