// The cluster job runner: the outbox relay moves committed jobs from PostgreSQL to RabbitMQ, and
// the AMQP runner consumes them, against the same contract as the embedded runner. Real
// PostgreSQL and RabbitMQ, a database and a vhost per test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '../../src/adapters/db/migrate.js';
import { AmqpConnection } from '../../src/adapters/amqp/connection.js';
import { AmqpJobRunner } from '../../src/adapters/amqp/job-runner.js';
import { OutboxRelay } from '../../src/adapters/amqp/relay.js';
import { openPostgres } from '../../src/adapters/pg/db.js';
import { enqueue } from '../../src/jobs/outbox.js';
import type { JobRunner } from '../../src/ports/jobs.js';
import { jobRunnerContract } from '../contracts/job-runner.contract.js';
import { freshPostgres, freshVhost, servicesUp } from '../helpers/services.js';

if (await servicesUp(['postgres', 'amqp'])) {
  jobRunnerContract('RabbitMQ with a PostgreSQL outbox', async () => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const conn = new AmqpConnection(vhost.url);
    await conn.connect();
    const started: { relay: OutboxRelay; runner: JobRunner }[] = [];
    return {
      db,
      runner(opts) {
        const relay = new OutboxRelay(db, conn, { pollMs: 20, retry: opts.retry });
        const runner = new AmqpJobRunner(conn, { retry: opts.retry });
        // The relay runs beside the consumers, as in a web instance or worker.
        const start = runner.start.bind(runner);
        const stop = runner.stop.bind(runner);
        runner.start = async () => {
          await relay.start();
          await start();
        };
        runner.stop = async () => {
          await stop();
          await relay.stop();
        };
        started.push({ relay, runner });
        return runner;
      },
      async dispose() {
        for (const s of started) await s.runner.stop().catch(() => {});
        await conn.close();
        await db.close();
        await Promise.all([pgDb.dispose(), vhost.dispose()]);
      },
    };
  });
}

if (await servicesUp(['postgres', 'amqp'])) {
  test('a draining worker hands a job that outlives its grace back to the queue, where another worker runs it once', async (t) => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const conn = new AmqpConnection(vhost.url);
    await conn.connect();
    const relay = new OutboxRelay(db, conn, { pollMs: 20 });
    t.after(async () => {
      await relay.stop();
      await conn.close();
      await db.close();
      await Promise.all([pgDb.dispose(), vhost.dispose()]);
    });
    const runs: string[] = [];
    const draining = new AmqpJobRunner(conn);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    draining.handle('test.echo', async () => {
      runs.push('draining');
      await stuck; // outlives the grace
    });
    await relay.start();
    await draining.start();
    await enqueue(db, 'test.echo', { value: 'long' });
    await until(() => runs.length === 1);
    const stopStarted = Date.now();
    await draining.stop(300);
    assert.ok(Date.now() - stopStarted < 2_000, 'stop keeps to its grace');

    const next = new AmqpJobRunner(conn);
    next.handle('test.echo', async (job) => void runs.push(`next:${job.attempt}`));
    await next.start();
    t.after(() => next.stop());
    await until(() => runs.length === 2);
    release(); // the first run's late end must not ack or retry anything
    await sleep(300);
    assert.deepEqual(runs, ['draining', 'next:1']);
  });
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

if (await servicesUp(['postgres', 'amqp'])) {
  test('a committed job is relayed at once through LISTEN, not at the next poll, and again after the listener is lost', async (t) => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const conn = new AmqpConnection(vhost.url);
    await conn.connect();
    // A poll this slow would fail the timing below: only the notification can be fast enough.
    const relay = new OutboxRelay(db, conn, { pollMs: 60_000, listenUrl: pgDb.url });
    const runner = new AmqpJobRunner(conn);
    t.after(async () => {
      await runner.stop();
      await relay.stop();
      await conn.close();
      await db.close();
      await Promise.all([pgDb.dispose(), vhost.dispose()]);
    });
    const runs: string[] = [];
    runner.handle('test.echo', async (job) => void runs.push(String(job.payload.value)));
    await relay.start();
    await runner.start();
    await sleep(100); // the relay's first batch has found nothing and sleeps now
    await enqueue(db, 'test.echo', { value: 'first' });
    await until(() => runs.length === 1, 3_000);

    // The listener's connection dies (a PostgreSQL restart, a proxy): the relay listens again.
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'strobe-relay' and datname = current_database()`);
    await sleep(1_500);
    await db.tx(async (q) => {
      await enqueue(q, 'test.echo', { value: 'second' });
      await enqueue(q, 'test.echo', { value: 'third' });
    });
    await until(() => runs.length === 3, 3_000);
    assert.deepEqual(runs.sort(), ['first', 'second', 'third']);
  });
}
