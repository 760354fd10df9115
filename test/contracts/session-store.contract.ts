import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { DbSessionStore } from '../../src/adapters/db/sessions.js';
import type { Db } from '../../src/ports/db.js';
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
      assert.equal(await store.destroy(s), true, 'a live session was destroyed');
      assert.equal(await store.get(s), null);
      assert.equal(await store.destroy(s), false, 'twice is fine, and says there was nothing left');
    });

    test('destroying a session that never existed reports so', async (t) => {
      const { store } = await create();
      t.after(() => store.close?.());
      assert.equal(await store.destroy(sid()), false);
    });

    test('unknown and expired sessions are not found', async (t) => {
      const { store, userId } = await create();
      t.after(() => store.close?.());
      assert.equal(await store.get(sid()), null);
      const s = sid();
      await store.create(s, userId, 1_000);
      await sleep(1_200);
      assert.equal(await store.get(s), null);
      assert.equal(await store.destroy(s), false, 'an expired session is no session to end');
    });
  });
}

/**
 * For the contract: the database store over a migrated database from `open`, with a user to own
 * the sessions (the table references users). Closing the store disposes of the database too.
 */
export async function dbSessionStore(open: () => Promise<{ db: Db; dispose(): Promise<void> }>): Promise<{ store: SessionStore; userId: string }> {
  const { db, dispose } = await open();
  const [user] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('sam', 'x') returning id");
  const store = new DbSessionStore(db);
  const close = store.close.bind(store);
  store.close = async () => (await close(), await dispose());
  return { store, userId: user!.id };
}
