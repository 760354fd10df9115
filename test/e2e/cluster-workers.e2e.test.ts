// Fault tests for the job side of a cluster, with real processes behind HAProxy: a worker killed
// mid-resize, workers away while photos are uploaded, and RabbitMQ restarted during uploads, with
// the machine's own commands. Nothing may be lost, and nothing may happen twice.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import { queueOf } from '../../src/adapters/amqp/topology.js';
import type { Photo } from '../../src/shared/api.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { allPages, call, eventsOf, expectStatus, signUp, SocketPool, until, upload, type Session } from '../helpers/photos.js';
import { commandSucceeds, SERVICE_COMMANDS, servicesUp } from '../helpers/services.js';

async function query<T>(cluster: TestCluster, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function statuses(cluster: TestCluster, ids: string[]): Promise<Record<string, number>> {
  const rows = await query<{ status: string; n: number }>(cluster, `select status, count(*)::int as n from photos where id = any($1::bigint[]) group by status`, [ids]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** An owner, a follower and sockets on the follower's home and the latest wall. */
async function audience(t: TestContext, cluster: TestCluster) {
  const owner = await signUp(cluster.url, 'owner');
  const follower = await signUp(cluster.url, 'follower');
  expectStatus(await call(cluster.url, 'PUT', '/api/users/owner/follow', { cookie: follower.cookie }), 200);
  const sockets = new SocketPool(() => cluster.url);
  t.after(() => sockets.closeAll());
  const home = await sockets.open(follower.cookie, 'home');
  const latest = await sockets.open(undefined, 'latest');
  return { owner, follower, home, latest };
}

async function uploadAll(cluster: TestCluster, owner: Session, file: Buffer, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await upload(cluster.url, owner.cookie, { file, caption: `photo ${i}` });
    expectStatus(res, 202);
    ids.push(res.body.photo.id);
  }
  return ids;
}

/** Each photo ready once: in the database, on the sockets, in the follower's home, once each. */
async function readyExactlyOnce(cluster: TestCluster, ids: string[], who: Awaited<ReturnType<typeof audience>>, timeoutMs = 60_000): Promise<void> {
  await until('every photo to be ready', () => statuses(cluster, ids), (s) => s.ready === ids.length, timeoutMs, 250);
  for (const s of [who.home, who.latest]) {
    await s.waitFor((events) => new Set(events.filter((e) => e.type === 'photo.ready').map((e) => (e.data as { photo: Photo }).photo.id)).size >= ids.length, 15_000);
  }
  await delay(1_000); // a duplicate would come now
  for (const [name, s] of [['home', who.home], ['latest', who.latest]] as const) {
    const got = eventsOf(s, 'photo.ready').map((e) => e.data.photo.id);
    assert.deepEqual([...got].sort(), [...ids].sort(), `${name}: photo.ready once per photo`);
  }
  const home = (await allPages(cluster.url, '/api/feeds/home', { cookie: who.follower.cookie })).items.map((p) => p.id);
  assert.deepEqual([...home].sort(), [...ids].sort(), 'the home timeline holds each photo once');
  const rows = await query<{ n: number }>(cluster, `select count(*)::int as n from home_timeline where photo_id = any($1::bigint[])`, [ids]);
  assert.equal(rows[0]!.n, ids.length * 2, 'one home row per photo for the owner and for the follower');
}

const RABBITMQ = SERVICE_COMMANDS.rabbitmq;

/** Waits for RabbitMQ to answer its probe. */
async function rabbitAnswers(what: string, timeoutMs = 90_000): Promise<void> {
  await until(what, async () => commandSucceeds(RABBITMQ.probe), (ok) => ok, timeoutMs, 500);
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('SIGKILL of a worker mid-resize: another worker finishes each photo, ready exactly once, in no feed twice', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 1, workers: 1 });
    const who = await audience(t, cluster);
    const big = await makeJpeg({ width: 4000, height: 3000, orientation: 6 });
    const conn = await amqp.connect(cluster.amqpUrl);
    t.after(() => conn.close().catch(() => {})); // the vhost may be gone already
    const ch = await conn.createChannel();

    const ids = await uploadAll(cluster, who.owner, big, 3);
    // The worker holds resize jobs (delivered, not acked) once the outbox sent them all and the
    // queue shows fewer ready than were sent.
    await until(
      'the worker to be holding resize jobs',
      async () => {
        const [sent] = await query<{ n: number }>(cluster, `select count(*)::int as n from jobs where name = 'photo.resize' and status = 'sent'`);
        const q = await ch.checkQueue(queueOf('photo.resize'));
        return sent!.n === 3 && q.messageCount < 3;
      },
      (holding) => holding,
      30_000,
      10,
    );
    await cluster.signal('worker1', 'SIGKILL');
    const atKill = await statuses(cluster, ids);
    assert.ok((atKill.processing ?? 0) > 0, `the kill came too late to test anything: ${JSON.stringify(atKill)}`);
    t.diagnostic(`killed the worker with ${atKill.processing} of 3 photos still processing`);

    await cluster.addWorker();
    await readyExactlyOnce(cluster, ids, who);
  });

  test('with every worker stopped, 20 uploads are accepted and wait; a worker that starts makes all 20 ready', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const who = await audience(t, cluster);
    await cluster.signal('worker1', 'SIGTERM');
    const small = await makeJpeg({ width: 640, height: 480 });
    const ids = await uploadAll(cluster, who.owner, small, 20);
    await delay(2_000);
    assert.deepEqual(await statuses(cluster, ids), { processing: 20 }, 'nothing runs without a worker');
    await cluster.addWorker();
    await readyExactlyOnce(cluster, ids, who);
  });

  test('RabbitMQ restarted during uploads (rabbitmqctl stop, rabbitmq-server -detached): uploads keep being accepted, no job is lost', { timeout: 300_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const who = await audience(t, cluster);
    const small = await makeJpeg({ width: 640, height: 480 });
    const ids = await uploadAll(cluster, who.owner, small, 3);
    // Whatever happens below, RabbitMQ must be up for the tests after this one.
    t.after(() => rabbitAnswers('RabbitMQ').catch(() => execSync(RABBITMQ.start)));

    execSync(RABBITMQ.stop, { stdio: 'ignore', timeout: 60_000 });
    ids.push(...(await uploadAll(cluster, who.owner, small, 5)));
    execSync(RABBITMQ.start, { stdio: 'ignore', timeout: 60_000 });
    ids.push(...(await uploadAll(cluster, who.owner, small, 2)));
    await rabbitAnswers('RabbitMQ to answer again');
    ids.push(...(await uploadAll(cluster, who.owner, small, 2)));

    await readyExactlyOnce(cluster, ids, who, 120_000);
    const [unsent] = await query<{ n: number }>(cluster, `select count(*)::int as n from jobs where status <> 'sent'`);
    assert.equal(unsent!.n, 0, 'the outbox relayed every job');
  });
}
