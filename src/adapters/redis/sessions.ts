// Cluster sessions in Redis: one key per session with the TTL of the session, shared by every
// instance. The key is the HMAC of the cookie's id (see features/accounts/sessions.ts). Each user
// also has a sorted set of their session ids scored by expiry, so a password change or "sign out
// everywhere" can find them.
//
// In a Redis Cluster the session key and the user's set live in different slots (`get` knows only
// the id), so no script spans both. The order of the separate steps keeps the set a superset of
// the user's live sessions: an id joins the set before its key is written and leaves it after its
// key is deleted, and ids are pruned by their expiry score, never by a missing key (that would race
// a session being created). Readers check the keys themselves.
import type { SessionRecord, SessionStore } from '../../ports/sessions.js';
import type { RedisClient } from './connection.js';

// KEYS: user set. ARGV: sid, expiry, now (ms since epoch), ttl ms. Adds the id, prunes the expired
// ones, and keeps the set alive as long as its longest session.
const ADD = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(sid: string): string {
    return `${this.prefix}sess:${sid}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user-sessions:${userId}`;
  }

  /** The set before the cluster layout (a plain set): read until its sessions have expired. */
  private legacyUserKey(userId: string): string {
    return `${this.prefix}user-sess:${userId}`;
  }

  async create(sid: string, userId: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    const record: SessionRecord = { userId, expiresAt: now + ttlMs };
    // The set first: a session whose key exists is always one "sign out everywhere" finds.
    await this.redis.eval(ADD, 1, this.userKey(userId), sid, String(record.expiresAt), String(now), String(ttlMs));
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
    const raw = await this.redis.getdel(this.key(sid));
    if (!raw) return false;
    const userId = parseUserId(raw);
    if (userId) await Promise.all([this.redis.zrem(this.userKey(userId), sid), this.redis.srem(this.legacyUserKey(userId), sid)]);
    return true;
  }

  async listByUser(userId: string): Promise<string[]> {
    const ids = await this.candidates(userId);
    const alive = await Promise.all(ids.map((sid) => this.redis.exists(this.key(sid))));
    return ids.filter((_, i) => alive[i] === 1);
  }

  async destroyByUser(userId: string, except?: string): Promise<string[]> {
    const ids = (await this.candidates(userId)).filter((sid) => sid !== except);
    // Keys first, then the set: a failure in between leaves ids whose keys are gone, never the reverse.
    const deleted = await Promise.all(ids.map((sid) => this.redis.del(this.key(sid))));
    if (ids.length) await Promise.all([this.redis.zrem(this.userKey(userId), ...ids), this.redis.srem(this.legacyUserKey(userId), ...ids)]);
    return ids.filter((_, i) => deleted[i] === 1);
  }

  /** Every id the user may have a live session under: unexpired in the set, or in the old set. */
  private async candidates(userId: string): Promise<string[]> {
    const [current, legacy] = await Promise.all([
      this.redis.zrangebyscore(this.userKey(userId), Date.now(), '+inf'),
      this.redis.smembers(this.legacyUserKey(userId)),
    ]);
    return [...new Set([...current, ...legacy])];
  }
}

function parseUserId(raw: string): string | undefined {
  try {
    const record = JSON.parse(raw) as Partial<SessionRecord>;
    return typeof record.userId === 'string' ? record.userId : undefined;
  } catch {
    return undefined;
  }
}
