import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { RateLimiter } from '../../src/ports/rate-limit.js';

export function rateLimitContract(name: string, create: () => Promise<RateLimiter>): void {
  const key = () => `k-${Math.random().toString(36).slice(2, 10)}`;

  describe(`RateLimiter contract: ${name}`, () => {
    test('allows `limit` hits per window, then refuses with a retry time', async (t) => {
      const rl = await create();
      t.after(() => rl.close?.());
      const k = key();
      const rule = { limit: 3, windowMs: 10_000 };
      for (let i = 0; i < 3; i++) assert.deepEqual(await rl.hit(k, rule), { allowed: true, retryAfterMs: 0 });
      const refused = await rl.hit(k, rule);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 10_000, `retryAfterMs ${refused.retryAfterMs}`);
      assert.equal((await rl.hit(key(), rule)).allowed, true, 'other keys are independent');
    });

    test('allows again after the window, and after a reset', async (t) => {
      const rl = await create();
      t.after(() => rl.close?.());
      const k = key();
      const rule = { limit: 1, windowMs: 300 };
      await rl.hit(k, rule);
      assert.equal((await rl.hit(k, rule)).allowed, false);
      await sleep(400);
      assert.equal((await rl.hit(k, rule)).allowed, true);
      assert.equal((await rl.hit(k, rule)).allowed, false);
      await rl.reset(k);
      assert.equal((await rl.hit(k, rule)).allowed, true);
    });
  });
}
