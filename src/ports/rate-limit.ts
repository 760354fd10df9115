// Rate-limit counters: in process when embedded, in Redis when clustered (shared by every instance).

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
