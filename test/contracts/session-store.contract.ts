import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { DbSessionStore } from '../../src/adapters/db/sessions.js';
import type { Db } from '../../src/ports/db.js';
import type { SessionStore } from '../../src/ports/sessions.js';

/** `userId` must name an existing user where the store enforces it (the database store does). */
export function sessionStoreContract(name: string, create: () => Promise<{ store: SessionStore; userId: string; otherUserId?: string }>): void {
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

    test("lists a user's live sessions, and ends them all but one, leaving other users' alone", async (t) => {
      const { store, userId, otherUserId } = await create();
      t.after(() => store.close?.());
      const [a, b, c, short] = [sid(), sid(), sid(), sid()];
      for (const s of [a, b, c]) await store.create(s, userId, 60_000);
      await store.create(short, userId, 300);
      const other = sid();
      if (otherUserId) await store.create(other, otherUserId, 60_000);
      const listed = await store.listByUser(userId);
      for (const s of [a, b, c, short]) assert.ok(listed.includes(s), `${s} is listed`);
      assert.ok(!listed.includes(other), "another user's session is not");
      await store.destroy(c);
      await sleep(500);
      const after = await store.listByUser(userId);
      assert.ok(!after.includes(c), 'a destroyed session leaves the list');
      assert.ok(!after.includes(short), 'an expired session leaves the list');

      const ended = await store.destroyByUser(userId, b);
      assert.ok(ended.includes(a), 'a live session was ended and reported');
      assert.ok(!ended.includes(b) && !ended.includes(c) && !ended.includes(short), 'the kept, destroyed and expired ones are not reported');
      assert.equal(await store.get(a), null);
      assert.equal((await store.get(b))?.userId, userId, 'the session to keep is kept');
      assert.deepEqual(await store.listByUser(userId), [b]);
      if (otherUserId) assert.equal((await store.get(other))?.userId, otherUserId, "another user's session stays");

      assert.deepEqual(await store.destroyByUser(userId), [b], 'without an exception, every session ends');
      assert.deepEqual(await store.listByUser(userId), []);
      assert.deepEqual(await store.destroyByUser(userId), [], 'twice is fine');
      // A new session after that is listed again.
      const d = sid();
      await store.create(d, userId, 60_000);
      assert.deepEqual(await store.listByUser(userId), [d]);
      await store.destroyByUser(userId);
      if (otherUserId) await store.destroyByUser(otherUserId);
    });
  });
}

/**
 * For the contract: the database store over a migrated database from `open`, with a user to own
 * the sessions (the table references users). Closing the store disposes of the database too.
 */
export async function dbSessionStore(open: () => Promise<{ db: Db; dispose(): Promise<void> }>): Promise<{ store: SessionStore; userId: string; otherUserId: string }> {
  const { db, dispose } = await open();
  const [user] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('sam', 'x') returning id");
  const [other] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('kim', 'x') returning id");
  const store = new DbSessionStore(db);
  const close = store.close.bind(store);
  store.close = async () => (await close(), await dispose());
  return { store, userId: user!.id, otherUserId: other!.id };
}
