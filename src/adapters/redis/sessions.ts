// Cluster sessions in Redis: one key per session with the TTL of the session, shared by every
// instance. The key is the HMAC of the cookie's id (see features/accounts/sessions.ts). Each user
// also has a set of their session ids, so a password change or "sign out everywhere" can find them:
// ids join it at create and leave it at destroy; ids whose key expired are pruned whenever the set
// is read or grows, and the set itself expires with the user's longest session.
import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from '../../ports/sessions.js';

// KEYS: session, user set. ARGV: record, ttl ms, sid, session key prefix.
const CREATE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[4] .. m) == 0 then redis.call('SREM', KEYS[2], m) end
end
redis.call('SADD', KEYS[2], ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;

// KEYS: session. ARGV: user set prefix, sid.
const DESTROY = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
local ok, record = pcall(cjson.decode, raw)
if ok and type(record) == 'table' and record.userId then redis.call('SREM', ARGV[1] .. record.userId, ARGV[2]) end
return 1`;

// KEYS: user set. ARGV: session key prefix, the sid to keep ('' for none).
const DESTROY_USER = `
local ended = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if m ~= ARGV[2] then
    if redis.call('DEL', ARGV[1] .. m) == 1 then table.insert(ended, m) end
    redis.call('SREM', KEYS[1], m)
  end
end
return ended`;

// KEYS: user set. ARGV: session key prefix. Prunes expired ids and returns the live ones.
const LIST_USER = `
local live = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. m) == 1 then table.insert(live, m) else redis.call('SREM', KEYS[1], m) end
end
return live`;

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(sid: string): string {
    return `${this.prefix}sess:${sid}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user-sess:${userId}`;
  }

  async create(sid: string, userId: string, ttlMs: number): Promise<void> {
    const record: SessionRecord = { userId, expiresAt: Date.now() + ttlMs };
    await this.redis.eval(CREATE, 2, this.key(sid), this.userKey(userId), JSON.stringify(record), String(ttlMs), sid, `${this.prefix}sess:`);
  }

  async get(sid: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.key(sid));
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    return record.expiresAt > Date.now() ? record : null;
  }

  async destroy(sid: string): Promise<boolean> {
    // The key expires with the session, so a key that was there held a live session.
    return (await this.redis.eval(DESTROY, 1, this.key(sid), `${this.prefix}user-sess:`, sid)) === 1;
  }

  async listByUser(userId: string): Promise<string[]> {
    return (await this.redis.eval(LIST_USER, 1, this.userKey(userId), `${this.prefix}sess:`)) as string[];
  }

  async destroyByUser(userId: string, except?: string): Promise<string[]> {
    return (await this.redis.eval(DESTROY_USER, 1, this.userKey(userId), `${this.prefix}sess:`, except ?? '')) as string[];
  }
}
