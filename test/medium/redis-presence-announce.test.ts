// Presence announcements in cluster mode: the decision to put a change on the wire is shared by all
// instances, and one held back by an instance that then dies is made by another one's sweep.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openRedis } from '../../src/adapters/redis/connection.js';
import { RedisPresence } from '../../src/adapters/redis/presence.js';
import { ANNOUNCE_INTERVAL_MS, type PresenceMember } from '../../src/ports/presence.js';
import { deleteRedisKeys, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';

const prefix = `strobe-test:${RUN_ID}:`;
const alice = { id: '1', username: 'alice' };

if (await servicesUp(['redis'])) {
  after(() => deleteRedisKeys(prefix));

  /** Two instances on one Redis; no heartbeat of their own, the test sweeps. */
  async function instances(scope: string): Promise<[RedisPresence, RedisPresence]> {
    const made: RedisPresence[] = [];
    for (let i = 0; i < 2; i++) {
      const redis = openRedis(SERVICES.redis, 'test');
      await redis.connect();
      const presence = new RedisPresence(redis, `${prefix}${scope}:`, { heartbeatMs: 60_000 });
      const close = presence.close.bind(presence);
      presence.close = async () => {
        await close();
        redis.disconnect();
      };
      made.push(presence);
    }
    return made as [RedisPresence, RedisPresence];
  }

  test('Redis presence: instances share what was announced and when', async (t) => {
    const [a, b] = await instances('shared');
    t.after(() => Promise.all([a.close(), b.close()]));
    const t0 = Date.now();
    assert.equal(await a.announce('lobby', alice, true, t0), 'publish');
    assert.equal(await b.announce('lobby', alice, true, t0 + 5), 'same', 'the other instance knows it was said');
    assert.deepEqual(await b.announce('lobby', alice, false, t0 + 1_000), { retryInMs: ANNOUNCE_INTERVAL_MS - 1_000 });
    assert.equal(await a.announce('lobby', alice, false, t0 + ANNOUNCE_INTERVAL_MS), 'publish');
    assert.equal(await b.announce('lobby', alice, false, t0 + ANNOUNCE_INTERVAL_MS + 1), 'same');
  });

  test('Redis presence: an announcement held back by an instance that died is made by another one', async (t) => {
    const [dead, alive] = await instances('takeover');
    t.after(() => Promise.all([dead.close(), alive.close()]));
    const reported: [string, PresenceMember][] = [];
    alive.onExpired((room, user) => reported.push([room, user]));
    // In the past, so that the held-back announcement is long overdue now.
    const t0 = Date.now() - 60_000;
    assert.equal(await dead.announce('lobby', alice, true, t0), 'publish');
    assert.ok(typeof (await dead.announce('lobby', alice, false, t0 + 1_000)) === 'object', 'held back');
    await dead.close(); // its retry timer dies with it

    await alive.sweep();
    assert.deepEqual(reported, [['lobby', alice]], 'reported once, so that it is read and announced');
    await alive.sweep();
    assert.equal(reported.length, 1, 'and only once');

    // One made in time by its own instance is not taken over.
    const [owner, other] = await instances('in-time');
    t.after(() => Promise.all([owner.close(), other.close()]));
    const seen: string[] = [];
    other.onExpired((room) => seen.push(room));
    assert.equal(await owner.announce('lobby', alice, true, t0), 'publish');
    assert.ok(typeof (await owner.announce('lobby', alice, false, t0 + 1_000)) === 'object');
    assert.equal(await owner.announce('lobby', alice, false, t0 + ANNOUNCE_INTERVAL_MS), 'publish', 'the retry');
    await other.sweep();
    assert.deepEqual(seen, []);
  });
}
