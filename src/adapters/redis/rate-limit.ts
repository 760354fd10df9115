// Cluster rate limits: fixed windows counted in Redis, so every instance enforces one budget. One
// key per counter, so a Redis Cluster needs nothing more.
import type { RateDecision, RateLimiter, RateRule } from '../../ports/rate-limit.js';
import type { RedisClient } from './connection.js';

// INCR and the window's expiry in one step; returns the count and the ms left in the window.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    redis.defineCommand('strobeRateHit', { numberOfKeys: 1, lua: HIT });
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    const [count, ttl] = (await (this.redis as unknown as { strobeRateHit(k: string, ms: number): Promise<[number, number]> }).strobeRateHit(
      `${this.prefix}rl:${key}`,
      rule.windowMs,
    )) as [number, number];
    return count <= rule.limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: ttl };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}rl:${key}`);
  }
}
