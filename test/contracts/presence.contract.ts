import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_MEMORY_MS, type PresenceStore } from '../../src/ports/presence.js';

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

    test('isPresent follows the connections', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const r = room();
      assert.equal(await p.isPresent(r, alice.id), false);
      await p.join(r, alice, 'c1');
      await p.join(r, alice, 'c2');
      assert.equal(await p.isPresent(r, alice.id), true);
      assert.equal(await p.isPresent(r, bob.id), false);
      assert.equal(await p.isPresent(room(), alice.id), false);
      await p.leave(r, alice.id, 'c1');
      assert.equal(await p.isPresent(r, alice.id), true);
      await p.leave(r, alice.id, 'c2');
      assert.equal(await p.isPresent(r, alice.id), false);
    });

    test('announce: a change goes out at once, then at most once per interval, and the last state is held, never dropped', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const r = room();
      const t0 = Date.now();
      const interval = ANNOUNCE_INTERVAL_MS;
      assert.equal(await p.announce(r, alice, true, t0), 'publish', 'nothing said yet: say it');
      assert.equal(await p.announce(r, alice, true, t0 + 10), 'same');
      assert.deepEqual(await p.announce(r, alice, false, t0 + 1_000), { retryInMs: interval - 1_000 }, 'too soon: held back');
      assert.equal(await p.announce(r, alice, true, t0 + 1_500), 'same', 'back to what was said: nothing to say');
      assert.deepEqual(await p.announce(r, alice, false, t0 + 2_000), { retryInMs: interval - 2_000 });
      assert.equal(await p.announce(r, alice, false, t0 + interval), 'publish', 'the retry, once the interval is over');
      assert.equal(await p.announce(r, alice, false, t0 + interval + 5), 'same');
      assert.deepEqual(await p.announce(r, alice, true, t0 + interval + 1), { retryInMs: interval - 1 });
      assert.equal(await p.announce(r, alice, true, t0 + 2 * interval), 'publish');
      // Per user and per room.
      assert.equal(await p.announce(r, bob, true, t0 + 1), 'publish');
      assert.equal(await p.announce(room(), alice, true, t0 + 1), 'publish');
    });

    test('announce: a first leave goes out; a clock that stepped back holds nothing back; old news is forgotten', async (t) => {
      const p = await create();
      t.after(() => p.close?.());
      const r = room();
      const t0 = Date.now();
      assert.equal(await p.announce(r, alice, false, t0), 'publish', 'unknown is not the same as absent: say it');
      assert.equal(await p.announce(r, bob, true, t0 + 10_000), 'publish');
      assert.equal(await p.announce(r, bob, false, t0), 'publish', 'an earlier time than the last announcement');
      const t1 = t0 + ANNOUNCE_INTERVAL_MS;
      assert.equal(await p.announce(r, alice, true, t1), 'publish');
      assert.equal(await p.announce(r, alice, true, t1 + ANNOUNCE_MEMORY_MS), 'publish', 'forgotten: said again rather than lost');
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
