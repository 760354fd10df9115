// Pure pieces of operations: time-bounded dependency checks and the directory of live instances.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { runChecks } from '../../src/adapters/health.js';
import { healthRoutes } from '../../src/http/health.js';
import type { AppInstance } from '../../src/http/types.js';
import { InstanceDirectory, SILENT_MS } from '../../src/features/admin/instances.js';
import type { Envelope, InstanceStats } from '../../src/shared/realtime.js';

test('each check answers ok, down with its reason, or down when it hangs, within its deadline', async () => {
  const started = Date.now();
  const report = await runChecks(
    {
      database: async () => {},
      redis: async () => {
        throw new Error('connection refused');
      },
      amqp: () => new Promise(() => {}),
    },
    50,
  );
  assert.deepEqual(report, { database: 'ok', redis: 'down: connection refused', amqp: 'down: no answer within 50 ms' });
  assert.ok(Date.now() - started < 1_000, 'checks run side by side, each bounded');
});

test('an answer that arrived while the event loop was stalled past the deadline counts as ok, not down', async (t) => {
  // A real socket pair on loopback. The server writes the answer, then stalls the (shared) event
  // loop past the check's deadline: when the loop runs again, the answer waits in the client's socket
  // and the deadline's timer is due first.
  const server = createServer((socket) =>
    socket.on('data', () => {
      socket.write('pong');
      const until = Date.now() + 200;
      while (Date.now() < until);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  t.after(() => client.destroy());
  await once(client, 'connect');
  const answered = once(client, 'data');
  const report = runChecks({ redis: async () => void (await answered) }, 50);
  client.write('ping');
  assert.deepEqual(await report, { redis: 'ok' });
});

test('/readyz answers 503 while draining, even with every dependency up', async (t) => {
  let draining = false;
  const app = Fastify() as unknown as AppInstance;
  t.after(() => app.close());
  healthRoutes(app, { health: async () => ({ database: 'ok' }), isDraining: () => draining });
  const up = await app.inject({ method: 'GET', url: '/readyz' });
  assert.deepEqual([up.statusCode, up.json()], [200, { ok: true, checks: { database: 'ok' } }]);
  draining = true;
  const down = await app.inject({ method: 'GET', url: '/readyz' });
  assert.deepEqual([down.statusCode, down.json()], [503, { ok: false, checks: { database: 'ok', instance: 'draining' } }]);
});

function stats(instance: string, extra: Partial<InstanceStats> = {}): Envelope<'instance.stats'> {
  const data: InstanceStats = {
    instance,
    roles: ['web'],
    mode: 'embedded',
    uptimeS: 1,
    connections: 0,
    memory: { rss: 1, heapUsed: 1 },
    eventLoopLagMs: 1,
    intervalMs: 5_000,
    jobs: {},
    ...extra,
  };
  return { stream: 'system', offset: '1-0', type: 'instance.stats', data, ts: 0 };
}

test('the directory keeps the latest beat per instance and forgets silent and stopping ones', () => {
  let now = 1_000_000;
  const dir = new InstanceDirectory(() => now);
  dir.seen(stats('a', { connections: 1 }));
  dir.seen(stats('b'));
  dir.seen(stats('a', { connections: 7 }));
  assert.deepEqual(
    dir.list().map((i) => [i.instance, i.connections]),
    [
      ['a', 7],
      ['b', 0],
    ],
  );

  dir.seen({ stream: 'system', offset: '2-0', type: 'instance.stopping', data: { instance: 'b' }, ts: 0 });
  // A beat that raced the announcement does not bring it back.
  dir.seen(stats('b'));
  assert.deepEqual(
    dir.list().map((i) => i.instance),
    ['a'],
  );

  now += SILENT_MS + 1;
  assert.deepEqual(dir.list(), []);
});
