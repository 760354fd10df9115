// The Redis adapters (cluster mode) against the same contracts as the in-process ones, on the real
// Redis, under a key prefix of their own that is deleted afterwards.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { openRedis, ready } from '../../src/adapters/redis/connection.js';
import { RedisBus } from '../../src/adapters/redis/bus.js';
import { RedisPresence } from '../../src/adapters/redis/presence.js';
import { RedisRateLimiter } from '../../src/adapters/redis/rate-limit.js';
import { RedisSessionStore } from '../../src/adapters/redis/sessions.js';
import type { PresenceMember } from '../../src/ports/presence.js';
import { presenceContract } from '../contracts/presence.contract.js';
import { rateLimitContract } from '../contracts/rate-limit.contract.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { busContract, type BusFactoryOptions } from '../contracts/bus.contract.js';
import { deleteRedisKeys, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';
import { userRef } from '../helpers/users.js';

const prefix = `strobe-test:${RUN_ID}:`;

if (await servicesUp(['redis'])) {
  after(() => deleteRedisKeys(prefix));

  let n = 0;
  const openBus = (opts: BusFactoryOptions, scope: string) =>
    RedisBus.open(openRedis(SERVICES.redis, 'test'), { prefix: `${prefix}${scope}:`, ...opts });
  // Each bus from `create` gets its own prefix (a fresh Redis, as far as it can tell); its peer shares the last one.
  busContract('Redis', (opts) => openBus(opts, `bus${++n}`), { peer: (opts) => openBus(opts, `bus${n}`) });

  const connection = async () => {
    const redis = openRedis(SERVICES.redis, 'test');
    await redis.connect();
    return redis;
  };
  const closing = <T extends object>(thing: T, redis: { disconnect(): void }): T => {
    const closable = thing as { close?: () => Promise<void> };
    const own = closable.close?.bind(thing);
    closable.close = async () => {
      await own?.();
      redis.disconnect();
    };
    return thing;
  };

  sessionStoreContract('Redis', async () => {
    const redis = await connection();
    return { store: closing(new RedisSessionStore(redis, `${prefix}sessions:`), redis), userId: '42', otherUserId: '43' };
  });
  presenceContract('Redis', async () => {
    const redis = await connection();
    return closing(new RedisPresence(redis, `${prefix}presence${++n}:`), redis);
  });
  rateLimitContract('Redis', async () => {
    const redis = await connection();
    return closing(new RedisRateLimiter(redis, `${prefix}rate${++n}:`), redis);
  });

  test('Redis presence: the users of a killed instance are reported gone once their connections expire', async (t) => {
    const [ra, rb] = [await connection(), await connection()];
    const scope = `${prefix}presence-expiry:`;
    const dead = new RedisPresence(ra, scope, { ttlMs: 300, heartbeatMs: 60_000 });
    const alive = new RedisPresence(rb, scope, { ttlMs: 300, heartbeatMs: 60_000 });
    t.after(async () => {
      await dead.close();
      await alive.close();
      ra.disconnect();
      rb.disconnect();
    });
    const gone: [string, PresenceMember][] = [];
    alive.onExpired((room, user) => gone.push([room, user]));
    await dead.join('lobby', { id: '1', username: 'alice' }, 'conn-a1');
    await alive.join('lobby', { id: '2', username: 'bob' }, 'conn-b1');
    await dead.close(); // the instance dies: nobody renews alice's connection
    await sleep(400);
    await alive.heartbeat(); // renews bob, sweeps alice
    assert.deepEqual(gone, [['lobby', { id: '1', username: 'alice' }]]);
    assert.deepEqual(await alive.list('lobby'), [{ id: '2', username: 'bob' }]);
  });

  test('Redis bus: a fan-out creates no history for streams nobody watches or recently had, and still reaches every listener', async (t) => {
    const opts = { prefix: `${prefix}fanout:`, windowMs: 60_000, maxEvents: 100 };
    const publisher = await RedisBus.open(openRedis(SERVICES.redis, 'test'), opts);
    const listener = await RedisBus.open(openRedis(SERVICES.redis, 'test'), opts);
    t.after(() => Promise.all([publisher.close(), listener.close()]));
    const msg = { id: '1', room: 'r', user: userRef('1', 'u'), text: 'x', kind: 'text' as const, createdAt: '' };
    const homes = Array.from({ length: 1_200 }, (_, i) => `home:${i}`);
    const got: string[] = [];
    listener.onEvent((env) => got.push(env.stream));
    await listener.listen('home:1100'); // online on another instance
    const known = await publisher.publish('home:3', 'chat.message', msg); // had an event lately

    await publisher.publishMany(homes, 'chat.message', msg);
    for (let i = 0; i < 250 && got.length === 0; i++) await sleep(20);
    await sleep(100); // and nothing more arrives
    assert.deepEqual(got, ['home:1100']);
    const redis = openRedis(SERVICES.redis, 'test');
    t.after(() => redis.disconnect());
    await ready(redis);
    const keys = await (redis as Redis).keys(`${opts.prefix}{home:*}:s`);
    assert.deepEqual(keys.map((k) => k.slice(opts.prefix.length)).sort(), ['{home:1100}:s', '{home:3}:s'], 'only streams with a listener or a history');
    const replay = await publisher.replay('home:3', known.offset);
    assert.deepEqual([replay.recovered, replay.events.length], [true, 1]);
  });

  test('Redis bus: a stream whose key expired while idle refuses offsets from before, never a partial replay', async (t) => {
    const bus = await RedisBus.open(openRedis(SERVICES.redis, 'test'), {
      prefix: `${prefix}expiry:`,
      windowMs: 200,
      maxEvents: 100,
    });
    t.after(() => bus.close());
    const msg = { id: '1', room: 'r', user: userRef('1', 'u'), text: 'x', kind: 'text' as const, createdAt: '' };
    const old = await bus.publish('quiet', 'chat.message', msg);
    await sleep(600); // the key lives twice the window after its last event
    await bus.publish('quiet', 'chat.message', msg);
    const r = await bus.replay('quiet', old.offset);
    assert.deepEqual([r.recovered, r.events.length], [false, 0]);
  });
}

if (await servicesUp(['redis'])) {
  test('Redis bus: a channel being subscribed for the first time does not make the bus unhealthy', async (t) => {
    const bus = await RedisBus.open(openRedis(SERVICES.redis, 'test'), { prefix: `${prefix}health:`, windowMs: 60_000, maxEvents: 100 });
    const admin = openRedis(SERVICES.redis, 'test');
    await admin.connect();
    t.after(async () => {
      await admin.call('client', 'unpause').catch(() => {});
      admin.disconnect();
      await bus.close();
    });
    await bus.listen('home:41'); // the subscriber connection is up
    await bus.health();
    // Redis holds every command for a moment: the subscribe below stays in flight meanwhile, as
    // thousands of them do on an instance that a failed one's clients all reach at once.
    await admin.call('client', 'pause', '400', 'all');
    const subscribing = bus.listen('home:42');
    await bus.health(); // the ping waits out the pause; the channel in flight is not "lost"
    await subscribing;
    await bus.health();
  });
}
