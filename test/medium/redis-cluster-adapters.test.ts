// The Redis adapters on a real Redis Cluster (six local nodes, three masters with a replica each,
// created for this file and removed afterwards) against the same contracts as on one Redis, plus
// what only a cluster shows: every sharded subscription sits on the master that owns its stream
// and nowhere else, and a fan-out spans every shard.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { channelOf, historyKey, RedisBus } from '../../src/adapters/redis/bus.js';
import { openRedis, ready } from '../../src/adapters/redis/connection.js';
import { RedisPresence } from '../../src/adapters/redis/presence.js';
import { RedisRateLimiter } from '../../src/adapters/redis/rate-limit.js';
import { RedisSessionStore } from '../../src/adapters/redis/sessions.js';
import type { PresenceMember } from '../../src/ports/presence.js';
import { busContract, type BusFactoryOptions } from '../contracts/bus.contract.js';
import { presenceContract } from '../contracts/presence.contract.js';
import { rateLimitContract } from '../contracts/rate-limit.contract.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { redisClusterAvailable, startRedisCluster } from '../helpers/redis-cluster.js';
import { userRef } from '../helpers/users.js';

const msg = { id: '1', room: 'r', user: userRef('1', 'u'), text: 'x', kind: 'text' as const, createdAt: '' };

if (await redisClusterAvailable()) {
  const cluster = await startRedisCluster();
  after(() => cluster.stop());
  const url = cluster.url;

  let n = 0;
  const openBus = (opts: BusFactoryOptions, scope: string, name = 'test') => RedisBus.open(openRedis(url, name), { prefix: `strobe:${scope}:`, ...opts });
  busContract('Redis Cluster', (opts) => openBus(opts, `bus${++n}`), { peer: (opts) => openBus(opts, `bus${n}`) });

  const connection = () => ready(openRedis(url, 'test'));
  const closing = <T extends object>(thing: T, redis: { disconnect(): void }): T => {
    const closable = thing as { close?: () => Promise<void> };
    const own = closable.close?.bind(thing);
    closable.close = async () => {
      await own?.();
      redis.disconnect();
    };
    return thing;
  };
  sessionStoreContract('Redis Cluster', async () => {
    const redis = await connection();
    return { store: closing(new RedisSessionStore(redis, 'strobe:sessions:'), redis), userId: String(++n), otherUserId: String(++n) };
  });
  presenceContract('Redis Cluster', async () => {
    const redis = await connection();
    return closing(new RedisPresence(redis, `strobe:presence${++n}:`), redis);
  });
  rateLimitContract('Redis Cluster', async () => {
    const redis = await connection();
    return closing(new RedisRateLimiter(redis, `strobe:rate${++n}:`), redis);
  });

  test('Redis Cluster: a stream and every key of it live on one shard; sessions and presence span shards', async (t) => {
    const redis = await connection();
    t.after(() => redis.disconnect());
    const prefix = 'strobe:layout:';
    const bus = await RedisBus.open(openRedis(url, 'test'), { prefix, windowMs: 60_000, maxEvents: 100 });
    t.after(() => bus.close());
    const streams = Array.from({ length: 30 }, (_, i) => `chat:room${i}`);
    for (const s of streams) await bus.publish(s, 'chat.message', msg);
    const owners = new Set<number>();
    for (const s of streams) {
      const master = await cluster.masterOf(historyKey(prefix, s));
      assert.equal(await cluster.masterOf(channelOf(prefix, s)), master, 'the channel is in the stream key slot');
      owners.add(master);
    }
    assert.equal(owners.size, 3, 'thirty streams spread over the three masters');

    // One user's sessions, many sessions, each key on whichever shard owns it.
    const sessions = new RedisSessionStore(redis, 'strobe:spread:');
    const sids = Array.from({ length: 20 }, (_, i) => `sid-${i}`);
    for (const sid of sids) await sessions.create(sid, 'u1', 60_000);
    const sessionShards = new Set(await Promise.all(sids.map((sid) => cluster.masterOf(`strobe:spread:sess:${sid}`))));
    assert.equal(sessionShards.size, 3);
    assert.deepEqual((await sessions.listByUser('u1')).sort(), [...sids].sort());
    assert.deepEqual((await sessions.destroyByUser('u1', 'sid-3')).sort(), sids.filter((s) => s !== 'sid-3').sort());
    assert.deepEqual(await sessions.listByUser('u1'), ['sid-3']);

    // Rooms on every shard, swept by one instance: the users of a dead one leave everywhere.
    const [ra, rb] = [await connection(), await connection()];
    t.after(() => (ra.disconnect(), rb.disconnect()));
    const dead = new RedisPresence(ra, 'strobe:spread:', { ttlMs: 300, heartbeatMs: 60_000 });
    const alive = new RedisPresence(rb, 'strobe:spread:', { ttlMs: 300, heartbeatMs: 60_000 });
    t.after(() => Promise.all([dead.close(), alive.close()]));
    const rooms = Array.from({ length: 12 }, (_, i) => `room${i}`);
    assert.equal(new Set(await Promise.all(rooms.map((r) => cluster.masterOf(`strobe:spread:pr:{${r}}:conns`)))).size, 3);
    for (const room of rooms) await dead.join(room, { id: '1', username: 'alice' }, `conn-${room}`);
    const gone: string[] = [];
    alive.onExpired((room) => gone.push(room));
    await dead.close();
    await sleep(400);
    await alive.heartbeat();
    assert.deepEqual(gone.sort(), [...rooms].sort());
  });

  test('Redis Cluster: an instance subscribes to a stream on the master that owns it only, and gets nothing it does not watch', async (t) => {
    const prefix = 'strobe:sharded:';
    const opts = { prefix, windowMs: 60_000, maxEvents: 100 };
    const listener = await RedisBus.open(openRedis(url, 'watcher'), opts);
    const publisher = await RedisBus.open(openRedis(url, 'publisher'), opts);
    t.after(() => Promise.all([listener.close(), publisher.close()]));
    const masters = await cluster.masters();
    // Streams on two of the three masters: the third must see no subscriber of ours at all.
    const candidates = Array.from({ length: 40 }, (_, i) => `chat:s${i}`);
    const ownerOf = new Map<string, number>();
    for (const s of candidates) ownerOf.set(s, await cluster.masterOf(channelOf(prefix, s)));
    const [m1, m2, quiet] = masters as [number, number, number];
    const watched = candidates.filter((s) => ownerOf.get(s) === m1).slice(0, 3).concat(candidates.filter((s) => ownerOf.get(s) === m2).slice(0, 3));
    const unwatched = candidates.filter((s) => !watched.includes(s));
    const got: string[] = [];
    listener.onEvent((env) => got.push(env.stream));
    for (const s of watched) await listener.listen(s);

    for (const [channel, node] of listener.subscriptions()) {
      const stream = watched.find((s) => channelOf(prefix, s) === channel)!;
      assert.equal(node, `127.0.0.1:${ownerOf.get(stream)}`, `${stream} is subscribed on its owner`);
    }
    for (const port of [...masters, ...(cluster.nodes.map((x) => x.port).filter((p) => !masters.includes(p)))]) {
      const channels = (await cluster.cli(port, 'pubsub', 'shardchannels', `${prefix}*`)).split('\n').filter(Boolean).sort();
      const expected = watched.filter((s) => ownerOf.get(s) === port).map((s) => channelOf(prefix, s)).sort();
      assert.deepEqual(channels, expected, `node ${port} holds the subscriptions of its own streams only`);
      const subscribers = (await cluster.cli(port, 'client', 'list')).split('\n').filter((l) => l.includes('name=watcher-sub'));
      assert.equal(subscribers.length, port === m1 || port === m2 ? 1 : 0, `node ${port}: one subscriber connection where watched streams live, none elsewhere`);
    }
    assert.ok(!masters.includes(quiet) || watched.every((s) => ownerOf.get(s) !== quiet));

    for (const s of unwatched) await publisher.publish(s, 'chat.message', msg);
    await publisher.publishMany(unwatched, 'chat.message', msg);
    for (const s of watched) await publisher.publish(s, 'chat.message', msg);
    for (let i = 0; i < 100 && got.length < watched.length; i++) await sleep(20);
    await sleep(200);
    assert.deepEqual(got.sort(), [...watched].sort(), 'exactly the watched streams, once each');

    await listener.unlisten(watched[0]!);
    assert.equal(listener.subscriptions().has(channelOf(prefix, watched[0]!)), false);
    assert.equal((await cluster.cli(ownerOf.get(watched[0]!)!, 'pubsub', 'shardnumsub', channelOf(prefix, watched[0]!))).split('\n')[1], '0');
    await listener.health();
  });

  test('Redis Cluster: a fan-out over many shards creates history only where someone watches or it exists', async (t) => {
    const opts = { prefix: 'strobe:fanout:', windowMs: 60_000, maxEvents: 100 };
    const publisher = await RedisBus.open(openRedis(url, 'test'), opts);
    const listener = await RedisBus.open(openRedis(url, 'test'), opts);
    t.after(() => Promise.all([publisher.close(), listener.close()]));
    const homes = Array.from({ length: 1_200 }, (_, i) => `home:${i}`);
    const got: string[] = [];
    listener.onEvent((env) => got.push(env.stream));
    await listener.listen('home:1100');
    const known = await publisher.publish('home:3', 'chat.message', msg);
    await publisher.publishMany(homes, 'chat.message', msg);
    for (let i = 0; i < 250 && got.length === 0; i++) await sleep(20);
    await sleep(100);
    assert.deepEqual(got, ['home:1100']);
    const redis = (await connection()) as Cluster;
    t.after(() => redis.disconnect());
    const keys: string[] = [];
    for (const node of redis.nodes('master')) keys.push(...(await node.keys(`${opts.prefix}{home:*}:s`)));
    assert.deepEqual(keys.sort(), [historyKey(opts.prefix, 'home:1100'), historyKey(opts.prefix, 'home:3')].sort());
    const replay = await publisher.replay('home:3', known.offset);
    assert.deepEqual([replay.recovered, replay.events.length], [true, 1]);
  });

  test('Redis Cluster: presence of a killed instance is swept across shards', async (t) => {
    const [ra, rb] = [await connection(), await connection()];
    const scope = 'strobe:presence-expiry:';
    const dead = new RedisPresence(ra, scope, { ttlMs: 300, heartbeatMs: 60_000 });
    const alive = new RedisPresence(rb, scope, { ttlMs: 300, heartbeatMs: 60_000 });
    t.after(async () => {
      await Promise.all([dead.close(), alive.close()]);
      ra.disconnect();
      rb.disconnect();
    });
    const gone: [string, PresenceMember][] = [];
    alive.onExpired((room, user) => gone.push([room, user]));
    await dead.join('lobby', { id: '1', username: 'alice' }, 'conn-a1');
    await alive.join('lobby', { id: '2', username: 'bob' }, 'conn-b1');
    await dead.close();
    await sleep(400);
    await alive.heartbeat();
    assert.deepEqual(gone, [['lobby', { id: '1', username: 'alice' }]]);
    assert.deepEqual(await alive.list('lobby'), [{ id: '2', username: 'bob' }]);
  });
}
