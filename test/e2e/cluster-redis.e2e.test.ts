// Fault test: Redis restarts under a running cluster, with the machine's own commands. This Redis
// keeps nothing on disk, so the replay history (and the sessions) are gone when it returns. The
// instances must reconnect by themselves, every client must be told `recovered: false` (so it
// refetches) rather than handed a partial history, and realtime must carry on.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { test } from 'node:test';
import type { Photo } from '../../src/shared/api.js';
import { compareOffsets } from '../../src/shared/realtime.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, signUp, until, upload } from '../helpers/photos.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import { commandSucceeds, SERVICE_COMMANDS, servicesUp } from '../helpers/services.js';

const REDIS = SERVICE_COMMANDS.redis;
const redisUp = () => commandSucceeds(REDIS.probe, 5_000);

const readyIds = (c: ResumingClient) => c.streams.get('latest')!.events.filter((e) => e.type === 'photo.ready').map((e) => (e.data as { photo: Photo }).photo.id);

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('Redis restarts: instances reconnect by themselves, clients are told recovered:false, and realtime carries on', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    // Whatever happens below, Redis must be up for the tests after this one.
    t.after(() => {
      if (!redisUp()) execSync(REDIS.start);
    });
    const owner = await signUp(cluster.url, 'owner');
    const clients = Array.from({ length: 10 }, () => new ResumingClient(cluster.url, ['latest']));
    t.after(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => c.ready()));
    const jpeg = await makeJpeg({ width: 640, height: 480 });
    const send = async (cookie: string) => {
      const res = await upload(cluster.url, cookie, { file: jpeg });
      expectStatus(res, 202);
      return res.body.photo.id;
    };
    const before = [await send(owner.cookie), await send(owner.cookie)];
    await Promise.all(clients.map((c) => c.until(() => readyIds(c).length === 2, 20_000, 'the first photos')));

    execSync(REDIS.stop, { stdio: 'ignore' });
    const downAt = Date.now();
    await until('Redis to stop', async () => redisUp(), (up) => !up, 10_000, 100);
    execSync(REDIS.start);
    await until('Redis to answer', async () => redisUp(), (up) => up, 30_000, 100);

    // Every client is moved to resume, and learns that the history it would resume from is gone.
    await Promise.all(
      clients.map((c) =>
        c.until(() => c.streams.get('latest')!.acks.slice(1).some((a) => a.ok && !a.recovered), 30_000, 'a recovered:false resume'),
      ),
    ).catch((err: Error) => assert.fail(`${err.message}\n${cluster.logs.slice(-30).join('\n')}`));
    t.diagnostic(`Redis down -> every client resumed with recovered:false within ${Date.now() - downAt} ms`);
    for (const [i, c] of clients.entries()) {
      for (const ack of c.streams.get('latest')!.acks) assert.ok(ack.ok, `client ${i}: ${JSON.stringify(ack)}`);
      // A refused resume replays nothing: never a partial history.
      for (const ack of c.streams.get('latest')!.acks) if (ack.ok && !ack.recovered) assert.deepEqual(ack.missed, []);
    }

    // Sessions lived in this Redis too (it keeps nothing on disk): the owner signs in again.
    assert.equal((await call(cluster.url, 'GET', '/api/me', { cookie: owner.cookie })).status, 401);
    const login = await fetch(`${cluster.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'owner', password: 'correct horse' }),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    const after = [await send(cookie), await send(cookie)];
    await Promise.all(clients.map((c) => c.until(() => readyIds(c).length === 4, 30_000, 'the photos after the restart'))).catch((err: Error) =>
      assert.fail(`${err.message}\n${cluster.logs.slice(-30).join('\n')}`),
    );
    for (const [i, c] of clients.entries()) {
      // Two photos processed at once may become ready in either order: the offsets say which.
      assert.deepEqual([...readyIds(c)].sort(), [...before, ...after].sort(), `client ${i}`);
      const events = c.streams.get('latest')!.events;
      for (let k = 1; k < events.length; k++) assert.ok(compareOffsets(events[k - 1]!.offset, events[k]!.offset) < 0, `client ${i}: offsets go forward`);
    }
  });
}
