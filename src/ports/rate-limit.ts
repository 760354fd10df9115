// Rate-limit counters: in process when embedded, in Redis when clustered (shared by every instance).
import { errors } from '../errors.js';

export interface RateRule {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When a refused caller may try again. 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  hit(key: string, rule: RateRule): Promise<RateDecision>;
  /** Forgets a key, e.g. the per-username login counter after a successful login. */
  reset(key: string): Promise<void>;
  close?(): Promise<void>;
}

/** Counts a hit and throws RATE_LIMITED (429, with Retry-After) when the rule is exceeded. */
export async function enforceRate(limiter: RateLimiter, key: string, rule: RateRule): Promise<void> {
  const d = await limiter.hit(key, rule);
  if (!d.allowed) throw errors.rateLimited(d.retryAfterMs);
}
