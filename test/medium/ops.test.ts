// Operations of an embedded instance: /readyz, /metrics, the admin overview and dead-job retry,
// and the instance.stats heartbeats on the `system` stream.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Fastify from 'fastify';
import { healthRoutes } from '../../src/http/health.js';
import type { AppInstance } from '../../src/http/types.js';
import { JOB_NAMES } from '../../src/ports/jobs.js';
import type { AdminOverview } from '../../src/shared/api.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { buildTestApp, register } from '../helpers/app.js';
import { subscribe } from '../helpers/photos.js';
import { connect } from '../helpers/sockets.js';

/** The value of one series in a Prometheus text exposition; undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[4]);
  }
  return undefined;
}

test('/readyz names each dependency, and says which one is down', async (t) => {
  const app = await buildTestApp(t);
  const ok = await app.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { ok: true, checks: { database: 'ok' } });

  await app.adapters.db.close();
  const down = await app.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(down.statusCode, 503);
  assert.deepEqual(down.json(), { ok: false, checks: { database: 'down' } });
});

test('/readyz never shows why a dependency is down: the log says it, once per change', async (t) => {
  const lines: { level: number; msg: string; dependency?: string; reason?: string }[] = [];
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } }) as unknown as AppInstance;
  t.after(() => app.close());
  const secretive = 'down: password authentication failed for user "strobe" at db.internal:5432';
  let report: Record<string, string> = { database: secretive, redis: 'ok' };
  healthRoutes(app, { health: async () => ({ ...report }), isDraining: () => false });
  const problems = () => lines.filter((l) => l.dependency !== undefined).map((l) => [l.level, l.dependency, l.reason ?? null]);

  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { ok: false, checks: { database: 'down', redis: 'ok' } });
    assert.ok(!res.body.includes('db.internal') && !res.body.includes('strobe"'), res.body);
  }
  assert.deepEqual(problems(), [[40, 'database', secretive]], 'logged once, with the detail');

  report = { database: 'ok', redis: 'ok' };
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  assert.deepEqual(problems(), [[40, 'database', secretive], [30, 'database', null]], 'and its return');
});

test('/metrics counts deliveries per socket, their latency, HTTP requests by route, and only this app', async (t) => {
  const app = await buildTestApp(t);
  const other = await buildTestApp(t);
  await app.listen();
  const alice = await register(app, 'alice');
  const sockets = [await connect(app.url, alice.cookie), await connect(app.url)];
  t.after(() => sockets.forEach((s) => s.close()));
  for (const s of sockets) await subscribe(s, 'latest');

  await app.adapters.bus.publish('latest', 'photo.deleted', { id: '42' });
  for (const s of sockets) await s.waitFor((evs) => evs.some((e) => e.type === 'photo.deleted'));
  await app.app.inject({ method: 'GET', url: '/api/users/nobody' });

  const res = await app.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain/);
  const text = res.body;
  assert.equal(sample(text, 'strobe_realtime_connections'), 2);
  assert.equal(sample(text, 'strobe_realtime_events_delivered_total', { type: 'photo.deleted' }), 2, 'one per receiving socket');
  assert.equal(sample(text, 'strobe_realtime_delivery_latency_seconds_count'), 1, 'one broadcast');
  assert.equal(sample(text, 'strobe_http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/register', status_code: '201' }), 1);
  assert.equal(sample(text, 'strobe_http_request_duration_seconds_count', { method: 'GET', route: '/api/users/:username', status_code: '404' }), 1);
  for (const name of JOB_NAMES) assert.equal(sample(text, 'strobe_job_queue_depth', { queue: name }), 0, name);
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 0, 'default process metrics');
  assert.match(text, /# TYPE strobe_job_queue_lag_seconds histogram/);

  const theirs = (await other.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(sample(theirs, 'strobe_realtime_events_delivered_total', { type: 'photo.deleted' }), undefined);
  assert.equal(sample(theirs, 'strobe_realtime_connections'), 0);
});

test('the job queue lag and outcomes of jobs this instance ran are measured', async (t) => {
  const app = await buildTestApp(t);
  const alice = await register(app, 'alice');
  // A badge check is the cheapest real job: the user has no photos, so it awards nothing.
  await app.adapters.db.query(`insert into jobs (name, payload) values ('badges.check', $1)`, [JSON.stringify({ userId: alice.id })]);
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!(sample(text, 'strobe_job_duration_seconds_count', { queue: 'badges.check', outcome: 'done' }) === 1) && Date.now() < deadline) {
    await sleep(50);
    text = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
  }
  assert.equal(sample(text, 'strobe_job_duration_seconds_count', { queue: 'badges.check', outcome: 'done' }), 1);
  assert.equal(sample(text, 'strobe_job_queue_lag_seconds_count', { queue: 'badges.check' }), 1);
});

test('the admin overview: 401 signed out, 403 for others, the live instance and queues for admins', async (t) => {
  const app = await buildTestApp(t);
  const admin = await register(app, 'root'); // the first account is an admin
  const bob = await register(app, 'bob');
  const get = (cookie?: string) => app.app.inject({ method: 'GET', url: '/api/admin/overview', headers: cookie ? { cookie } : {} });

  assert.equal((await get()).json().error.code, 'UNAUTHENTICATED');
  assert.equal((await get()).statusCode, 401);
  const forbidden = await get(bob.cookie);
  assert.deepEqual([forbidden.statusCode, forbidden.json().error.code], [403, 'FORBIDDEN']);

  const res = await get(admin.cookie);
  assert.equal(res.statusCode, 200);
  const overview = res.json<AdminOverview>();
  const self = overview.instances.find((i) => i.instance === app.instanceId);
  assert.ok(self, `this instance is listed: ${JSON.stringify(overview.instances)}`);
  assert.deepEqual([self.roles, self.mode], [['web', 'worker'], 'embedded']);
  assert.ok(self.memory.rss > 0 && self.memory.heapUsed > 0);
  assert.deepEqual(
    overview.queues.map((q) => [q.name, q.depth, q.consumers, q.dead]),
    JOB_NAMES.map((n) => [n, 0, 1, 0]),
  );
  assert.equal(overview.queuesError, null);
  assert.deepEqual(overview.dead, []);
});

test('an admin retries dead jobs: they go back to their queue and run; names are checked, writes are CSRF-guarded', async (t) => {
  const app = await buildTestApp(t);
  const admin = await register(app, 'root');
  const bob = await register(app, 'bob');
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into jobs (name, payload, status, attempts, last_error, finished_at)
     values ('badges.check', $1, 'dead', 5, 'the disk was full', now()) returning id`,
    [JSON.stringify({ userId: bob.id })],
  );
  const overview = (await app.app.inject({ method: 'GET', url: '/api/admin/overview', headers: { cookie: admin.cookie } })).json<AdminOverview>();
  assert.deepEqual(overview.dead, [{ id: row!.id, queue: 'badges.check', error: 'the disk was full', attempts: 5 }]);
  assert.equal(overview.queues.find((q) => q.name === 'badges.check')!.dead, 1);

  const retry = (queue: string, headers: Record<string, string>) => app.app.inject({ method: 'POST', url: `/api/admin/dead/${queue}/retry`, headers });
  assert.equal((await retry('badges.check', {})).statusCode, 401);
  assert.equal((await retry('badges.check', { cookie: bob.cookie })).statusCode, 403);
  const csrf = await retry('badges.check', { cookie: admin.cookie, origin: 'https://evil.example' });
  assert.deepEqual([csrf.statusCode, csrf.json().error.code], [403, 'CSRF']);
  for (const bad of ['test.echo', 'nope', '..%2Fjobs']) {
    const res = await retry(bad, { cookie: admin.cookie });
    assert.deepEqual([res.statusCode, res.json().error.code], [404, 'NOT_FOUND'], bad);
  }

  const ok = await retry('badges.check', { cookie: admin.cookie });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { queue: 'badges.check', moved: 1 });
  const deadline = Date.now() + 10_000;
  let status = '';
  while (status !== 'done' && Date.now() < deadline) {
    [{ status } = { status: '' }] = await app.adapters.db.query<{ status: string }>('select status from jobs where id = $1', [row!.id]);
    await sleep(50);
  }
  assert.equal(status, 'done');
});

test('every instance beats instance.stats on the system stream, which only admins may watch', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const admin = await register(app, 'root');
  const bob = await register(app, 'bob');
  const watcher = await connect(app.url, admin.cookie);
  const other = await connect(app.url, bob.cookie);
  t.after(() => [watcher, other].forEach((s) => s.close()));
  const refused = await other.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'system' });
  assert.deepEqual(refused, { ok: false, error: { code: 'FORBIDDEN', message: 'Only admins can watch the system stream.' } });

  await subscribe(watcher, 'system');
  const isBeat = (e: Envelope) => e.type === 'instance.stats' && (e as Envelope<'instance.stats'>).data.instance === app.instanceId;
  await watcher.waitFor((evs) => evs.some(isBeat), 8_000);
  const beat = watcher.events.find(isBeat) as Envelope<'instance.stats'>;
  assert.equal(beat.data.connections, 2);
  assert.ok(beat.data.eventLoopLagMs >= 0 && beat.data.uptimeS >= 0 && beat.data.intervalMs > 0);
  assert.ok(beat.data.memory.rss > 0);
});
