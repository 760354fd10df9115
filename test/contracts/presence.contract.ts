import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PresenceStore } from '../../src/ports/presence.js';

export function presenceContract(name: string, create: () => Promise<PresenceStore>): void {
  const alice = { id: '1', username: 'alice' };
  const bob = { id: '2', username: 'bob' };
  const room = () => `room-${Math.random().toString(36).slice(2, 8)}`;

  describe(`PresenceStore contract: ${name}`, () => {
    test('a user is present while any of their connections is in the room', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const r = room();
      assert.equal(await p.join(r, alice, 'c1'), true, 'first connection makes alice present');
      assert.equal(await p.join(r, alice, 'c2'), false, 'a second tab changes nothing');
      assert.equal(await p.join(r, bob, 'c3'), true);
      assert.deepEqual(await p.list(r), [alice, bob]);
      assert.equal(await p.leave(r, alice.id, 'c1'), false, 'one tab left, alice stays');
      assert.deepEqual(await p.list(r), [alice, bob]);
      assert.equal(await p.leave(r, alice.id, 'c2'), true, 'last tab gone, alice left');
      assert.deepEqual(await p.list(r), [bob]);
    });

    test('leaving twice, or a room never joined, changes nothing', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const r = room();
      await p.join(r, alice, 'c1');
      assert.equal(await p.leave(r, alice.id, 'c1'), true);
      assert.equal(await p.leave(r, alice.id, 'c1'), false);
      assert.equal(await p.leave(room(), bob.id, 'c9'), false);
      assert.deepEqual(await p.list(r), []);
    });

    test('rooms are independent', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const [r1, r2] = [room(), room()];
      await p.join(r1, alice, 'c1');
      await p.join(r2, bob, 'c2');
      assert.deepEqual(await p.list(r1), [alice]);
      assert.deepEqual(await p.list(r2), [bob]);
    });
  });
}
