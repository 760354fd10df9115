import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { SessionStore } from '../../src/ports/sessions.js';

/** `userId` must name an existing user where the store enforces it (the database store does). */
export function sessionStoreContract(name: string, create: () => Promise<{ store: SessionStore; userId: string }>): void {
  const sid = () => `sid-${Math.random().toString(36).slice(2)}`;

  describe(`SessionStore contract: ${name}`, () => {
    test('stores, finds and destroys a session', async (t) => {
      const { store, userId } = await create();
      t.after(() => store.close?.());
      const s = sid();
      await store.create(s, userId, 60_000);
      const got = await store.get(s);
      assert.equal(got?.userId, userId);
      assert.ok(got!.expiresAt > Date.now() + 50_000 && got!.expiresAt <= Date.now() + 61_000);
      await store.destroy(s);
      assert.equal(await store.get(s), null);
      await store.destroy(s); // twice is fine
    });

    test('unknown and expired sessions are not found', async (t) => {
      const { store, userId } = await create();
      t.after(() => store.close?.());
      assert.equal(await store.get(sid()), null);
      const s = sid();
      await store.create(s, userId, 1_000);
      await sleep(1_200);
      assert.equal(await store.get(s), null);
    });
  });
}
