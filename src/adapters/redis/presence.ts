// Cluster presence in Redis. Each connection in a room is a member of a sorted set scored by its
// expiry; its instance renews its own connections every few seconds. When an instance dies, its
// connections stop being renewed and any instance's sweep removes them, reporting the users who
// thereby left, so their `presence.left` is published within seconds.
//
// What was last announced for a user in a room is one small key that expires by itself; an
// announcement held back is also noted, with when it is due, in one sorted set, so that if the
// instance that held it back dies, another one's sweep makes it.
import type { Redis } from 'ioredis';
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_MEMORY_MS, type Announcement, type PresenceStore } from '../../ports/presence.js';
import type { PublicUser } from '../../shared/api.js';

export const PRESENCE_TTL_MS = 10_000;
const HEARTBEAT_MS = 3_000;
/** A held-back announcement this late is taken over: the instance that holds it must be gone. */
const OVERDUE_MS = 5_000;

// KEYS: conns (zset), owners (hash conn -> user), counts (hash user -> conns), names (hash user -> name), rooms (set)
const JOIN = `
local added = redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[5])
if added == 0 then return 0 end
return redis.call('HINCRBY', KEYS[3], ARGV[2], 1) == 1 and 1 or 0
`;

// Removes connections; returns the ids of users who have none left. ARGV: conn ids.
const LEAVE = `
local gone = {}
for i = 1, #ARGV do
  local conn = ARGV[i]
  if redis.call('ZREM', KEYS[1], conn) == 1 then
    local user = redis.call('HGET', KEYS[2], conn)
    redis.call('HDEL', KEYS[2], conn)
    if user and redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
      redis.call('HDEL', KEYS[3], user)
      table.insert(gone, user .. '\\n' .. (redis.call('HGET', KEYS[4], user) or ''))
      redis.call('HDEL', KEYS[4], user)
    end
  end
end
return gone
`;

// KEYS: said (string '<0|1>:<ms>'), pending (zset). ARGV: present (0/1), now, interval, memory,
// pending member. Returns -1 (same), 0 (publish) or the milliseconds to wait.
const ANNOUNCE = `
local said = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
-- The key expires by itself; the age check gives the same answer in the caller's time.
if said and now - tonumber(string.sub(said, 3)) < tonumber(ARGV[4]) then
  if string.sub(said, 1, 1) == ARGV[1] then
    redis.call('ZREM', KEYS[2], ARGV[5])
    return -1
  end
  local wait = tonumber(string.sub(said, 3)) + interval - now
  -- A clock that stepped back (wait > interval) must not hold the notice back for that long.
  if wait > 0 and wait <= interval then
    redis.call('ZADD', KEYS[2], now + wait, ARGV[5])
    return wait
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[5])
return 0
`;

export class RedisPresence implements PresenceStore {
  /** This instance's connections, renewed by the heartbeat: room -> conn ids. */
  private readonly mine = new Map<string, Set<string>>();
  private readonly timer: NodeJS.Timeout;
  private expired: (room: string, user: PublicUser) => void = () => {};

  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? PRESENCE_TTL_MS;
    redis.defineCommand('strobePresenceJoin', { numberOfKeys: 5, lua: JOIN });
    redis.defineCommand('strobePresenceLeave', { numberOfKeys: 4, lua: LEAVE });
    redis.defineCommand('strobePresenceAnnounce', { numberOfKeys: 2, lua: ANNOUNCE });
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), opts.heartbeatMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Users whose every connection expired (their instance died) are reported here, and so are those
   * whose held-back announcement is overdue (the instance holding it died).
   */
  onExpired(handler: (room: string, user: PublicUser) => void): void {
    this.expired = handler;
  }

  private keys(room: string): string[] {
    const base = `${this.prefix}pr:${room}:`;
    return [`${base}conns`, `${base}owners`, `${base}counts`, `${base}names`];
  }

  async join(room: string, user: PublicUser, connId: string): Promise<boolean> {
    let conns = this.mine.get(room);
    if (!conns) this.mine.set(room, (conns = new Set()));
    conns.add(connId);
    const result = await this.scripts.strobePresenceJoin(
      ...this.keys(room),
      `${this.prefix}pr:rooms`,
      connId,
      user.id,
      user.username,
      Date.now() + this.ttlMs,
      room,
    );
    return result === 1;
  }

  async leave(room: string, userId: string, connId: string): Promise<boolean> {
    this.mine.get(room)?.delete(connId);
    if (this.mine.get(room)?.size === 0) this.mine.delete(room);
    const gone = (await this.scripts.strobePresenceLeave(...this.keys(room), connId)) as string[];
    return gone.some((g) => g.startsWith(`${userId}\n`));
  }

  async isPresent(room: string, userId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys(room)[2]!, userId)) === 1;
  }

  async announce(room: string, user: PublicUser, present: boolean, now: number): Promise<Announcement> {
    const result = Number(
      await this.scripts.strobePresenceAnnounce(
        `${this.prefix}pr:${room}:said:${user.id}`,
        this.pendingKey,
        present ? 1 : 0,
        now,
        ANNOUNCE_INTERVAL_MS,
        ANNOUNCE_MEMORY_MS,
        `${room}\n${user.id}\n${user.username}`,
      ),
    );
    if (result < 0) return 'same';
    return result === 0 ? 'publish' : { retryInMs: result };
  }

  async list(room: string): Promise<PublicUser[]> {
    const [conns, owners, , names] = this.keys(room);
    // Connections past their expiry are not counted, even before a sweep removes them: a killed
    // instance's users leave the list when their entries expire.
    const live = await this.redis.zrangebyscore(conns!, Date.now(), '+inf');
    if (live.length === 0) return [];
    const users = [...new Set((await this.redis.hmget(owners!, ...live)).filter((u): u is string => u !== null))];
    if (users.length === 0) return [];
    const usernames = await this.redis.hmget(names!, ...users);
    return users
      .map((id, i) => ({ id, username: usernames[i] ?? '' }))
      .filter((u) => u.username !== '')
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Renews this instance's connections, then removes everyone's expired ones. */
  async heartbeat(): Promise<void> {
    const expiry = Date.now() + this.ttlMs;
    const renew = this.redis.pipeline();
    for (const [room, conns] of this.mine) for (const conn of conns) renew.zadd(this.keys(room)[0]!, 'XX', expiry, conn);
    await renew.exec();
    await this.sweep();
  }

  async sweep(): Promise<void> {
    await this.takeOverdue();
    const rooms = await this.redis.smembers(`${this.prefix}pr:rooms`);
    for (const room of rooms) {
      const keys = this.keys(room);
      const stale = await this.redis.zrangebyscore(keys[0]!, '-inf', Date.now());
      if (stale.length === 0) {
        if ((await this.redis.zcard(keys[0]!)) === 0) await this.redis.srem(`${this.prefix}pr:rooms`, room);
        continue;
      }
      const gone = (await this.scripts.strobePresenceLeave(...keys, ...stale)) as string[];
      for (const g of gone) {
        const [id, username] = g.split('\n') as [string, string];
        this.expired(room, { id, username });
      }
    }
  }

  /** Announcements held back by an instance that died before making them. */
  private async takeOverdue(): Promise<void> {
    const due = await this.redis.zrangebyscore(this.pendingKey, '-inf', Date.now() - OVERDUE_MS, 'LIMIT', 0, 100);
    for (const member of due) {
      // Every instance sweeps: only the one that removes it makes it.
      if ((await this.redis.zrem(this.pendingKey, member)) !== 1) continue;
      const [room, id, username] = member.split('\n') as [string, string, string];
      this.expired(room, { id, username });
    }
  }

  private get pendingKey(): string {
    return `${this.prefix}pr:pending`;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }
}

interface Scripts {
  strobePresenceJoin(...args: (string | number)[]): Promise<unknown>;
  strobePresenceLeave(...args: string[]): Promise<unknown>;
  strobePresenceAnnounce(...args: (string | number)[]): Promise<unknown>;
}
