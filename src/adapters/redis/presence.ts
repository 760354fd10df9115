// Cluster presence in Redis. Each connection in a room is a member of a sorted set scored by its
// expiry; its instance renews its own connections every few seconds. When an instance dies, its
// connections stop being renewed and any instance's sweep removes them, reporting the users who
// thereby left, so their `presence.left` is published within seconds.
//
// What was last announced for a user in a room is one small key that expires by itself; an
// announcement held back is also noted, with when it is due, in the room's sorted set of pending
// ones, so that if the instance that held it back dies, another one's sweep makes it.
//
// Every key of a room shares its hash tag (`pr:{<room>}:…`), so the scripts run on the one shard
// of a Redis Cluster that owns the room. The set of rooms to sweep is one key of its own, kept by
// separate commands in an order that never leaves a room with connections or pending
// announcements out of it (see join, announce and sweep).
import type { RedisClient } from './connection.js';
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_MEMORY_MS, type Announcement, type PresenceStore, type PresenceMember } from '../../ports/presence.js';

export const PRESENCE_TTL_MS = 10_000;
const HEARTBEAT_MS = 3_000;
/** A held-back announcement this late is taken over: the instance that holds it must be gone. */
const OVERDUE_MS = 5_000;

// KEYS: conns (zset), owners (hash conn -> user), counts (hash user -> conns), names (hash user -> name)
const JOIN = `
local added = redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
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
  private expired: (room: string, user: PresenceMember) => void = () => {};

  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    opts: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? PRESENCE_TTL_MS;
    redis.defineCommand('strobePresenceJoin', { numberOfKeys: 4, lua: JOIN });
    redis.defineCommand('strobePresenceLeave', { numberOfKeys: 4, lua: LEAVE });
    redis.defineCommand('strobePresenceAnnounce', { numberOfKeys: 2, lua: ANNOUNCE });
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), opts.heartbeatMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Users whose every connection expired (their instance died) are reported here, and so are those
   * whose held-back announcement is overdue (the instance holding it died).
   */
  onExpired(handler: (room: string, user: PresenceMember) => void): void {
    this.expired = handler;
  }

  private keys(room: string): string[] {
    const base = `${this.prefix}pr:{${room}}:`;
    return [`${base}conns`, `${base}owners`, `${base}counts`, `${base}names`];
  }

  private pendingKey(room: string): string {
    return `${this.prefix}pr:{${room}}:pending`;
  }

  private get roomsKey(): string {
    return `${this.prefix}pr:rooms`;
  }

  async join(room: string, user: PresenceMember, connId: string): Promise<boolean> {
    let conns = this.mine.get(room);
    if (!conns) this.mine.set(room, (conns = new Set()));
    conns.add(connId);
    const result = await this.scripts.strobePresenceJoin(...this.keys(room), connId, user.id, user.username, Date.now() + this.ttlMs);
    // After the connection is in: a sweep that removes the room from the set meanwhile sees it
    // and puts the room back (see sweep).
    await this.redis.sadd(this.roomsKey, room);
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

  async announce(room: string, user: PresenceMember, present: boolean, now: number): Promise<Announcement> {
    const result = Number(
      await this.scripts.strobePresenceAnnounce(
        `${this.prefix}pr:{${room}}:said:${user.id}`,
        this.pendingKey(room),
        present ? 1 : 0,
        now,
        ANNOUNCE_INTERVAL_MS,
        ANNOUNCE_MEMORY_MS,
        `${room}\n${user.id}\n${user.username}`,
      ),
    );
    if (result < 0) return 'same';
    if (result === 0) return 'publish';
    // Held back: the room must be swept, so that another instance makes it if this one dies.
    await this.redis.sadd(this.roomsKey, room);
    return { retryInMs: result };
  }

  async list(room: string): Promise<PresenceMember[]> {
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
    // One command per connection, sent together (a cluster pipeline cannot span shards).
    const renewals: Promise<unknown>[] = [];
    for (const [room, conns] of this.mine) for (const conn of conns) renewals.push(this.redis.zadd(this.keys(room)[0]!, 'XX', expiry, conn));
    await Promise.all(renewals);
    await this.sweep();
  }

  async sweep(): Promise<void> {
    const rooms = await this.redis.smembers(this.roomsKey);
    for (const room of rooms) {
      await this.takeOverdue(room);
      const keys = this.keys(room);
      const stale = await this.redis.zrangebyscore(keys[0]!, '-inf', Date.now());
      if (stale.length === 0) {
        if (await this.idle(room)) {
          // Removed, then checked again: a join or a held-back announcement that raced the first
          // check has added to the room before its own SADD, so one of the two puts it back.
          await this.redis.srem(this.roomsKey, room);
          if (!(await this.idle(room))) await this.redis.sadd(this.roomsKey, room);
        }
        continue;
      }
      const gone = (await this.scripts.strobePresenceLeave(...keys, ...stale)) as string[];
      for (const g of gone) {
        const [id, username] = g.split('\n') as [string, string];
        this.expired(room, { id, username });
      }
    }
  }

  /** No connections and no announcement held back: nothing for a sweep to do in the room. */
  private async idle(room: string): Promise<boolean> {
    const [conns, pending] = await Promise.all([this.redis.zcard(this.keys(room)[0]!), this.redis.zcard(this.pendingKey(room))]);
    return conns === 0 && pending === 0;
  }

  /** Announcements held back by an instance that died before making them. */
  private async takeOverdue(room: string): Promise<void> {
    const key = this.pendingKey(room);
    const due = await this.redis.zrangebyscore(key, '-inf', Date.now() - OVERDUE_MS, 'LIMIT', 0, 100);
    for (const member of due) {
      // Every instance sweeps: only the one that removes it makes it.
      if ((await this.redis.zrem(key, member)) !== 1) continue;
      const [dueRoom, id, username] = member.split('\n') as [string, string, string];
      this.expired(dueRoom, { id, username });
    }
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
