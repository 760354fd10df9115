// The Redis adapters (cluster mode) against the same contracts as the in-process ones, on the real
// Redis, under a key prefix of their own that is deleted afterwards.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openRedis } from '../../src/adapters/redis/connection.js';
import { RedisBus } from '../../src/adapters/redis/bus.js';
import { busContract, type BusFactoryOptions } from '../contracts/bus.contract.js';
import { RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';

const prefix = `strobe-test:${RUN_ID}:`;

if (await servicesUp(['redis'])) {
  after(async () => {
    const redis = openRedis(SERVICES.redis, 'test-cleanup');
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });

  let n = 0;
  const openBus = (opts: BusFactoryOptions, scope: string) =>
    RedisBus.open(openRedis(SERVICES.redis, 'test'), openRedis(SERVICES.redis, 'test-sub'), { prefix: `${prefix}${scope}:`, ...opts });
  // Each bus from `create` gets its own prefix (a fresh Redis, as far as it can tell); its peer shares the last one.
  busContract('Redis', (opts) => openBus(opts, `bus${++n}`), { peer: (opts) => openBus(opts, `bus${n}`) });

  test('Redis bus: a stream whose key expired while idle refuses offsets from before, never a partial replay', async (t) => {
    const bus = await RedisBus.open(openRedis(SERVICES.redis, 'test'), openRedis(SERVICES.redis, 'test-sub'), {
      prefix: `${prefix}expiry:`,
      windowMs: 200,
      maxEvents: 100,
    });
    t.after(() => bus.close());
    const msg = { id: '1', room: 'r', user: { id: '1', username: 'u' }, text: 'x', kind: 'text' as const, createdAt: '' };
    const old = await bus.publish('quiet', 'chat.message', msg);
    await sleep(600); // the key lives twice the window after its last event
    await bus.publish('quiet', 'chat.message', msg);
    const r = await bus.replay('quiet', old.offset);
    assert.deepEqual([r.recovered, r.events.length], [false, 0]);
  });
}
