// Cluster sessions in Redis: one key per session with the TTL of the session, shared by every
// instance. The key is the HMAC of the cookie's id (see features/accounts/sessions.ts).
import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from '../../ports/sessions.js';

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(sid: string): string {
    return `${this.prefix}sess:${sid}`;
  }

  async create(sid: string, userId: string, ttlMs: number): Promise<void> {
    const record: SessionRecord = { userId, expiresAt: Date.now() + ttlMs };
    await this.redis.set(this.key(sid), JSON.stringify(record), 'PX', ttlMs, 'NX');
  }

  async get(sid: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.key(sid));
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    return record.expiresAt > Date.now() ? record : null;
  }

  async destroy(sid: string): Promise<boolean> {
    // The key expires with the session, so a key that was there held a live session.
    return (await this.redis.del(this.key(sid))) > 0;
  }
}
