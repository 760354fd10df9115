// The cluster job runner: the outbox relay moves committed jobs from PostgreSQL to RabbitMQ, and
// the AMQP runner consumes them, against the same contract as the embedded runner. Real
// PostgreSQL and RabbitMQ, a database and a vhost per test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { migrate } from '../../src/adapters/db/migrate.js';
import { AmqpConnection } from '../../src/adapters/amqp/connection.js';
import { AmqpJobRunner } from '../../src/adapters/amqp/job-runner.js';
import { OutboxRelay } from '../../src/adapters/amqp/relay.js';
import { deadQueueOf, EXCHANGE, legacyRetryQueueOf, queueOf, retryQueueOf } from '../../src/adapters/amqp/topology.js';
import { openPostgres } from '../../src/adapters/pg/db.js';
import { enqueue } from '../../src/jobs/outbox.js';
import type { JobRunner } from '../../src/ports/jobs.js';
import { jobRunnerContract } from '../contracts/job-runner.contract.js';
import { freshPostgres, freshVhost, servicesUp } from '../helpers/services.js';

interface FreshJobsOptions {
  pollMs: number;
  listen?: boolean;
  /** Its own connection to the test's vhost (by default one node, no log). */
  connection?: (vhostUrl: string) => AmqpConnection;
  /** Called before the relay starts, with the vhost's URL. */
  before?: (vhostUrl: string) => Promise<void>;
  relayLog?: { warn(obj: object, msg: string): void };
}

/** A fresh database and vhost with a relay and a runner that records each `test.echo` payload; torn down after the test. */
async function freshJobs(t: TestContext, opts: FreshJobsOptions) {
  const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
  const db = await openPostgres(pgDb.url, { max: 5 });
  await migrate(db);
  const conn = opts.connection?.(vhost.url) ?? new AmqpConnection(vhost.url);
  await conn.connect();
  await opts.before?.(vhost.url);
  const relay = new OutboxRelay(db, conn, { pollMs: opts.pollMs, log: opts.relayLog, ...(opts.listen ? { listenUrl: pgDb.url } : {}) });
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
  return { db, conn, relay, runner, runs };
}

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
    // A poll this slow would fail the timing below: only the notification can be fast enough.
    const { db, relay, runner, runs } = await freshJobs(t, { pollMs: 60_000, listen: true });
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

if (await servicesUp(['postgres', 'amqp'])) {
  test('a channel that closes alone (the connection stays) is opened again: the relay publishes and the runner consumes on new ones', async (t) => {
    const { db, conn, relay, runner, runs } = await freshJobs(t, { pollMs: 20 });
    await relay.start();
    await runner.start();
    await enqueue(db, 'test.echo', { value: 'before' });
    await until(() => runs.length === 1);

    type WithChannel = { channel?: { close(): Promise<void> } };
    const channels = [relay as unknown as WithChannel, runner as unknown as WithChannel].map((x) => x.channel!);
    const connection = conn.current;
    await Promise.all(channels.map((ch) => ch.close()));
    await until(() => [relay, runner].every((x) => { const ch = (x as unknown as WithChannel).channel; return ch !== undefined && !channels.includes(ch); }));
    assert.equal(conn.current, connection, 'the same connection');
    await enqueue(db, 'test.echo', { value: 'after' });
    await until(() => runs.length === 2);
    assert.deepEqual(runs, ['before', 'after']);
  });

  test('with several nodes in AMQP_URL, one that cannot be used is skipped and jobs run through the next', async (t) => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const opened: AmqpConnection[] = [];
    t.after(async () => {
      for (const c of opened) await c.close();
      await db.close();
      await Promise.all([pgDb.dispose(), vhost.dispose()]);
    });
    // A node that refuses us: the same broker, a vhost that does not exist.
    const unusable = new URL(vhost.url);
    unusable.pathname = '/strobe-no-such-vhost';
    // Each connection starts at a random node: open until one started at the unusable one.
    let conn: AmqpConnection | undefined;
    for (let i = 0; i < 30 && !conn; i++) {
      const warnings: string[] = [];
      const c = new AmqpConnection([unusable.toString(), vhost.url], { warn: (_obj, msg) => warnings.push(msg) });
      opened.push(c);
      await c.connect();
      if (warnings.includes('AMQP connection failed; trying the next node')) conn = c;
    }
    assert.ok(conn, 'no connection started at the unusable node');
    const relay = new OutboxRelay(db, conn, { pollMs: 20 });
    const runner = new AmqpJobRunner(conn);
    t.after(async () => {
      await runner.stop();
      await relay.stop();
    });
    const runs: string[] = [];
    runner.handle('test.echo', async (job) => void runs.push(job.payload.value));
    await relay.start();
    await runner.start();
    await enqueue(db, 'test.echo', { value: 'through the next node' });
    await until(() => runs.length === 1);
    assert.deepEqual(runs, ['through the next node']);
  });

  test('a broker that refuses the relay\'s batches (basic.nack) gets fresh channels, then the next node; nothing is lost', async (t) => {
    const connected: string[] = [];
    const warnings: string[] = [];
    const log = { warn: (_obj: object, msg: string) => void warnings.push(msg) };
    let ch: amqp.Channel | undefined;
    const { db, relay, runner, runs } = await freshJobs(t, {
      pollMs: 20,
      relayLog: log,
      // Two names for the same broker, so that moving to "the next node" shows in the log.
      connection: (url) => {
        const second = new URL(url);
        second.hostname = second.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
        return new AmqpConnection([url, second.toString()], { ...log, info: (obj, msg) => void (msg === 'AMQP connected' && connected.push((obj as { node: string }).node)) });
      },
      // A queue that refuses every message, bound beside the job queue: each publish is nacked. (A
      // quorum queue's own reject-publish limit is soft, so it cannot be made to refuse everything.)
      before: async (url) => {
        const admin = await amqp.connect(url);
        t.after(() => admin.close().catch(() => {}));
        ch = await admin.createChannel();
        await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
        await ch.assertQueue('test.refuses', { arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
        await ch.bindQueue('test.refuses', EXCHANGE, 'test.echo');
      },
    });
    await relay.start();
    await runner.start();
    await enqueue(db, 'test.echo', { value: 'refused, then relayed' });

    await until(() => warnings.includes('leaving this AMQP node for the next') && connected.length >= 2, 20_000);
    assert.notEqual(connected[1], connected[0], 'the next node');
    assert.ok(warnings.filter((w) => w === 'relaying jobs to RabbitMQ failed; will retry').length >= 3, JSON.stringify(warnings));
    const status = async () => (await db.query<{ status: string }>(`select status from jobs`)).map((r) => r.status);
    assert.deepEqual(await status(), ['pending'], 'the job stays pending while refused');

    await ch!.deleteQueue('test.refuses');
    await until(() => runs.length >= 1, 20_000);
    for (let i = 0; i < 100 && (await status())[0] !== 'sent'; i++) await sleep(100);
    assert.deepEqual(await status(), ['sent']);
    // A nack of a message routed to two queues says nothing of the other one: the job queue may hold
    // the refused publishes too. At least once, as docs/messages.md promises; consumers are idempotent.
    assert.ok(runs.every((r) => r === 'refused, then relayed'));
  });

  test('upgrading from classic retry queues: they keep delivering what they hold, and retries now wait in quorum queues', async (t) => {
    const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const db = await openPostgres(pgDb.url, { max: 5 });
    await migrate(db);
    const conn = new AmqpConnection(vhost.url);
    await conn.connect();
    t.after(async () => {
      await conn.close();
      await db.close();
      await Promise.all([pgDb.dispose(), vhost.dispose()]);
    });
    // What an earlier version left: its job queue, and a classic retry queue holding a failed attempt.
    const retry = { maxAttempts: 3, backoffMs: (n: number) => 100 * n };
    const legacy = legacyRetryQueueOf('test.echo', 1, retry.backoffMs(1));
    const ch = await conn.current!.createConfirmChannel();
    await ch.assertQueue(queueOf('test.echo'), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.assertQueue(legacy, { durable: true, arguments: { 'x-message-ttl': 100, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queueOf('test.echo') } });
    // Consumed by nobody yet: the runner below starts after the message expired into the job queue,
    // and also before, in another run; either way it must arrive.
    ch.sendToQueue(legacy, Buffer.from(JSON.stringify({ id: 'old-1', name: 'test.echo', payload: { value: 'left by v1' } })), {
      persistent: true,
      contentType: 'application/json',
      headers: { 'x-attempt': 2, 'x-due-at': Date.now() + 100 },
    });
    await ch.waitForConfirms();
    await ch.close();

    const runner = new AmqpJobRunner(conn, { retry });
    t.after(() => runner.stop());
    const runs: { value: string; attempt: number }[] = [];
    let failedOnce = false;
    runner.handle('test.echo', async (job) => {
      if (job.payload.value === 'fails once' && !failedOnce) {
        failedOnce = true;
        throw new Error('first attempt fails');
      }
      runs.push({ value: job.payload.value, attempt: job.attempt });
    });
    await runner.start(); // declares the new topology beside the old queue without PRECONDITION_FAILED
    await until(() => runs.length === 1);
    assert.deepEqual(runs, [{ value: 'left by v1', attempt: 2 }]);

    // A new failure waits in the quorum back-off queue, not in the legacy one.
    const relay = new OutboxRelay(db, conn, { pollMs: 20, retry });
    t.after(() => relay.stop());
    await relay.start();
    await enqueue(db, 'test.echo', { value: 'fails once' });
    await until(() => runs.length === 2);
    assert.deepEqual(runs[1], { value: 'fails once', attempt: 2 });
    const vhostName = decodeURIComponent(new URL(vhost.url).pathname.slice(1));
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', '-p', vhostName, 'name', 'type', '--formatter', 'json'], { timeout: 30_000 });
    const types = Object.fromEntries((JSON.parse(stdout) as { name: string; type: string }[]).map((q) => [q.name, q.type]));
    assert.deepEqual(types, {
      [queueOf('test.echo')]: 'quorum',
      [deadQueueOf('test.echo')]: 'quorum',
      [retryQueueOf('test.echo', 1, 100)]: 'quorum',
      [retryQueueOf('test.echo', 2, 200)]: 'quorum',
      [legacy]: 'classic',
    });
  });
}
