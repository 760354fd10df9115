// Operations of a cluster instance on the real PostgreSQL, Redis and RabbitMQ: /readyz checks each
// dependency and names the one that is down, the overview reads the queues from RabbitMQ and still
// answers, in time, when the broker is gone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { buildStrobe, type Roles, type Strobe } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { JOB_NAMES } from '../../src/ports/jobs.js';
import type { AdminOverview } from '../../src/shared/api.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';

const prefix = `strobe-test:${RUN_ID}:ops:`;

interface Ready {
  ok: boolean;
  checks: Record<string, string>;
}

async function readyz(app: TestApp): Promise<{ status: number; body: Ready; ms: number }> {
  const started = Date.now();
  const res = await app.app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json<Ready>(), ms: Date.now() - started };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await sleep(100);
  }
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  after(() => deleteRedisKeys(prefix));

  test('cluster /readyz checks the database, Redis and RabbitMQ, and names the one that is down', async (t) => {
    const [pg, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const app = await buildTestApp(null, {
      DATABASE_URL: pg.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: prefix,
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    });
    t.after(async () => {
      await app.close();
      await Promise.all([pg.dispose(), vhost.dispose()]);
    });

    const up = await readyz(app);
    assert.deepEqual([up.status, up.body], [200, { ok: true, checks: { database: 'ok', redis: 'ok', amqp: 'ok' } }]);

    const admin = await register(app, 'root');
    const overview = async () =>
      (await app.app.inject({ method: 'GET', url: '/api/admin/overview', headers: { cookie: admin.cookie } })).json<AdminOverview>();
    const before = await until(overview, (o) => o.instances.length > 0);
    assert.deepEqual(
      before.instances.map((i) => [i.instance, i.mode]),
      [[app.instanceId, 'cluster']],
    );
    // This process is a worker of every queue: one consumer each, on RabbitMQ.
    assert.deepEqual(
      before.queues.map((q) => [q.name, q.consumers, q.dead]),
      JOB_NAMES.map((n) => [n, 1, 0]),
    );
    const metrics = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^strobe_job_queue_consumers\{queue="photo\.resize"\} 1$/m);

    // The broker loses the vhost: the connection is closed and cannot come back.
    await vhost.dispose();
    const amqpDown = await until(
      () => readyz(app),
      (r) => r.body.checks.amqp !== 'ok',
    );
    // Jobs wait in the outbox meanwhile: the instance stays in the pool, marked degraded.
    assert.equal(amqpDown.status, 200);
    assert.equal(amqpDown.body.ok, true);
    assert.deepEqual((amqpDown.body as { degraded?: string[] }).degraded, ['amqp']);
    assert.equal(amqpDown.body.checks.database, 'ok');
    assert.equal(amqpDown.body.checks.redis, 'ok');
    assert.equal(amqpDown.body.checks.amqp, 'down', 'the reason goes to the log, not to whoever asks');

    const started = Date.now();
    const degraded = await overview();
    assert.ok(Date.now() - started < 3_000, 'the overview answers in time without the broker');
    assert.ok(degraded.queuesError, 'it says the queues cannot be read');
    assert.deepEqual(
      degraded.instances.map((i) => i.instance),
      [app.instanceId],
    );

    await pg.dispose(); // drops the database, closing its connections
    const dbDown = await until(
      () => readyz(app),
      (r) => r.body.checks.database !== 'ok',
    );
    assert.equal(dbDown.status, 503);
    assert.equal(dbDown.body.checks.database, 'down');
    assert.ok(dbDown.ms < 2_500, `checks are time-bounded (${dbDown.ms} ms)`);
  });

  test('a worker (no HTTP server) reaches the web instances through its heartbeats: listed, with its job rate', async (t) => {
    const [pg, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const dataDir = mkdtempSync(join(tmpdir(), 'strobe-ops-cluster-'));
    const env = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: pg.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: `${prefix}workers:`,
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    };
    const started: Strobe[] = [];
    const start = async (roles: Roles) => {
      const s = await buildStrobe(loadConfig(env), false, roles);
      started.push(s);
      return s;
    };
    t.after(async () => {
      for (const s of started) await s.close();
      rmSync(dataDir, { recursive: true, force: true });
      await Promise.all([pg.dispose(), vhost.dispose()]);
    });
    const web = await start({ web: true, worker: false });
    const worker = await start({ web: false, worker: true });

    const res = await web.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: 'root', password: 'correct horse' } });
    const cookie = cookieFrom(res.headers['set-cookie']);
    const userId = res.json<{ user: { id: string } }>().user.id;
    const overview = async () => (await web.app.inject({ method: 'GET', url: '/api/admin/overview', headers: { cookie } })).json<AdminOverview>();

    const listed = await until(overview, (o) => o.instances.length === 2);
    assert.deepEqual(
      listed.instances.map((i) => [i.instance, i.roles]).sort(),
      [
        [web.instanceId, ['web']],
        [worker.instanceId, ['worker']],
      ].sort(),
    );
    assert.ok(listed.queues.every((q) => q.consumers === 1), 'the worker consumes every queue; the web instance none');

    await web.adapters.db.query(`insert into jobs (name, payload) values ('badges.check', $1)`, [JSON.stringify({ userId })]);
    const busy = await until(overview, (o) => (o.queues.find((q) => q.name === 'badges.check')?.ratePerS ?? 0) > 0, 15_000);
    const fromWorker = busy.instances.find((i) => i.instance === worker.instanceId)!;
    assert.deepEqual(fromWorker.jobs['badges.check'], { processed: 1, failed: 0 });
  });
}
