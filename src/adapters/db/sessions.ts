// Embedded session store: a table, so sessions survive restarts of the one process.
import type { Db } from '../../ports/db.js';
import type { SessionRecord, SessionStore } from '../../ports/sessions.js';

export class DbSessionStore implements SessionStore {
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly db: Db) {
    this.sweeper = setInterval(() => void this.sweep(), 3_600_000);
    this.sweeper.unref();
  }

  async create(sid: string, userId: string, ttlMs: number): Promise<void> {
    await this.db.query(
      `insert into sessions (id_hash, user_id, expires_at) values ($1, $2, now() + make_interval(secs => $3))`,
      [sid, userId, ttlMs / 1000],
    );
  }

  async get(sid: string): Promise<SessionRecord | null> {
    const [row] = await this.db.query<{ user_id: string; expires_at: Date }>(
      'select user_id, expires_at from sessions where id_hash = $1 and expires_at > now()',
      [sid],
    );
    return row ? { userId: row.user_id, expiresAt: row.expires_at.getTime() } : null;
  }

  async destroy(sid: string): Promise<boolean> {
    // An expired row the sweeper has not reached yet was no session any more, as `get` sees it.
    const [row] = await this.db.query<{ live: boolean }>('delete from sessions where id_hash = $1 returning expires_at > now() as live', [sid]);
    return row?.live === true;
  }

  async listByUser(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ id_hash: string }>('select id_hash from sessions where user_id = $1 and expires_at > now()', [userId]);
    return rows.map((r) => r.id_hash);
  }

  async destroyByUser(userId: string, except?: string): Promise<string[]> {
    const rows = await this.db.query<{ id_hash: string; live: boolean }>(
      'delete from sessions where user_id = $1 and id_hash <> $2 returning id_hash, expires_at > now() as live',
      [userId, except ?? ''],
    );
    return rows.filter((r) => r.live).map((r) => r.id_hash);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    await this.db.query('delete from sessions where expires_at <= now()').catch(() => {});
  }
}
