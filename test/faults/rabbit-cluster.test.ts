// A RabbitMQ cluster losing the node that leads the resize queue, mid-upload: three local nodes of
// our own (test/helpers/rabbit-cluster.ts), Strobe's web instances and workers behind HAProxy with
// AMQP_URL listing all three. Every process's connection is first steered onto that leader, except
// one worker's, so the kill takes the relays and most consumers with it while one consumer on a
// surviving node lives through the leader change. Uploads go on throughout; every photo must
// become ready exactly once, and the times from the kill to the first and the last photo ready
// are printed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { queueOf } from '../../src/adapters/amqp/topology.js';
import type { Photo } from '../../src/shared/api.js';
import { isolatedCluster, type IsolatedCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { allPages, call, eventsOf, expectStatus, signUp, SocketPool, until, upload } from '../helpers/photos.js';
import { startRabbitCluster, type RabbitCluster, type RabbitNode } from '../helpers/rabbit-cluster.js';
import { servicesUp } from '../helpers/services.js';

const RESIZE_QUEUE = queueOf('photo.resize');
const BEFORE_KILL = 8;
const AFTER_KILL = 16;

async function query<T>(c: IsolatedCluster, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: c.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

interface Connection {
  name: string;
  client_properties: unknown;
  port: number;
}

/** Strobe's AMQP connections (their connection_name is `strobe pid <pid> on <host>`), asked of a running node. */
async function strobeConnections(rabbit: RabbitCluster, via: RabbitNode): Promise<{ connection: string; name: string; port: number; pid: number }[]> {
  const rows = JSON.parse(await rabbit.cli('rabbitmqctl', via, ['list_connections', 'name', 'client_properties', 'port', '--formatter', 'json'])) as Connection[];
  // The JSON formatter prints pids without their node; the table keeps `<node.x.y.z>`, which
  // close_connection takes. Names ("127.0.0.1:43026 -> 127.0.0.1:5703") join the two.
  const table = await rabbit.cli('rabbitmqctl', via, ['list_connections', 'name', 'pid', '--no-table-headers']);
  const pidByName = new Map(
    table
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t') as [string, string]),
  );
  return rows.flatMap((r) => {
    const pid = /strobe pid (\d+) on /.exec(JSON.stringify(r.client_properties))?.[1];
    const connection = pidByName.get(r.name);
    return pid && connection ? [{ connection, name: r.name, port: r.port, pid: Number(pid) }] : [];
  });
}

/**
 * Closes connections until every Strobe process is connected to `leader`, except `elsewhere`'s,
 * which must not be. A closed connection reconnects to the next node of its list by itself.
 */
async function steer(rabbit: RabbitCluster, leader: RabbitNode, pids: number[], elsewhere: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const conns = await strobeConnections(rabbit, leader);
    const wrong = conns.filter((c) => (c.pid === elsewhere ? c.port === leader.amqpPort : c.port !== leader.amqpPort));
    const present = new Set(conns.map((c) => c.pid));
    if (wrong.length === 0 && pids.every((p) => present.has(p))) return;
    if (Date.now() > deadline) assert.fail(`could not steer the connections: ${JSON.stringify(conns)}`);
    for (const c of wrong) {
      // Asked of the node the connection is on.
      const owner = rabbit.nodes.find((n) => n.amqpPort === c.port)!;
      await rabbit.cli('rabbitmqctl', owner, ['close_connection', c.connection, 'steered by the fault test']).catch((err: Error & { stderr?: string }) => console.error(`close_connection ${c.name}: ${err.stderr ?? err.message}`));
    }
    await delay(1_500);
  }
}

const rabbitInstalled = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server');
if (!rabbitInstalled) {
  const message = 'the RabbitMQ cluster test needs rabbitmq-server (Debian package rabbitmq-server)';
  if (process.env.CI) throw new Error(message);
  console.error(`\n!!! SKIPPED: ${message} !!!\n`);
  test(`SKIPPED: ${message}`, { skip: message }, () => {});
} else if (await servicesUp(['postgres', 'redis'])) {
  test('the node leading the resize queue is SIGKILLed mid-upload: processes move to the survivors, every photo is ready exactly once', { timeout: 600_000 }, async (t) => {
    const rabbit = await startRabbitCluster();
    const strobe: { started?: Promise<IsolatedCluster> } = {};
    t.after(async () => {
      // Strobe first: its processes would only log their reconnects to a cluster going away.
      await (await strobe.started?.catch(() => undefined))?.stop();
      await rabbit.stop();
    });
    const started = (strobe.started = isolatedCluster({ web: 2, workers: 2, amqpUrl: rabbit.amqpUrl, purpose: 'test', nodeEnv: 'test', keepLines: 600 }));
    const c = await started;
    const url = c.cluster.url;
    let passed = false;
    let survivors: RabbitNode[] = [];
    t.after(async () => {
      if (passed) return;
      // What the processes said, when it failed: their AMQP warnings tell how they moved. And what
      // the surviving nodes say of the queues (leader, members online) and in their logs.
      console.error(`--- cluster logs ---\n${c.logs.slice(-80).join('\n')}`);
      for (const node of survivors) {
        const queues = await rabbit.cli('rabbitmqctl', node, ['list_queues', 'name', 'type', 'leader', 'members', 'online', 'messages'], 20_000).catch((err: Error) => err.message);
        console.error(`--- ${node.name}: queues ---\n${queues}\n--- ${node.name}: log ---\n${rabbit.logTail(node, 60)}`);
      }
    });

    const owner = await signUp(url, 'owner');
    const follower = await signUp(url, 'follower');
    expectStatus(await call(url, 'PUT', '/api/users/owner/follow', { cookie: follower.cookie }), 200);
    const sockets = new SocketPool(() => url);
    t.after(() => sockets.closeAll());
    const home = await sockets.open(follower.cookie, 'home');
    const latest = await sockets.open(undefined, 'latest');
    const photo = await makeJpeg({ width: 1600, height: 1200 });

    // A first photo declares the queues (the relay does before its first publish) and proves the path.
    const ids: string[] = [];
    const send = async () => {
      const res = await upload(url, owner.cookie, { file: photo, caption: `photo ${ids.length}` });
      expectStatus(res, 202);
      ids.push(res.body.photo.id);
    };
    await send();
    await until('the first photo to be ready', () => readyIds(c, ids), (r) => r.size === 1, 60_000, 200);

    const leader = await rabbit.leaderOf(RESIZE_QUEUE);
    const members = await rabbit.cli('rabbitmq-queues', leader, ['quorum_status', RESIZE_QUEUE]);
    t.diagnostic(`${RESIZE_QUEUE} is led by ${leader.name}; quorum_status:\n${members.trim()}`);
    const pids = [...c.cluster.instances.values()].map((i) => i.child!.pid!);
    const elsewhere = c.cluster.instances.get('worker2')!.child!.pid!;
    await steer(rabbit, leader, pids, elsewhere);
    t.diagnostic(`every process is connected to ${leader.name}, but worker2 (on a survivor)`);

    // Readiness times, polled from the database while photos are uploaded one after another.
    const readyAt = new Map<string, number>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const id of await readyIds(c, ids)) if (!readyAt.has(id)) readyAt.set(id, Date.now());
        await delay(100);
      }
    })();

    for (let i = 0; i < BEFORE_KILL; i++) {
      await send();
      await delay(150);
    }
    survivors = rabbit.nodes.filter((n) => n !== leader);
    const killedAt = Date.now();
    rabbit.kill(leader);
    t.diagnostic(`SIGKILL ${leader.name} with ${ids.length - readyAt.size} of ${ids.length} photos not ready yet`);
    for (let i = 0; i < AFTER_KILL; i++) {
      await send();
      await delay(150);
    }

    await until('every photo to be ready', () => readyIds(c, ids), (r) => r.size === ids.length, 180_000, 250);
    watching = false;
    await watcher;
    for (const id of await readyIds(c, ids)) if (!readyAt.has(id)) readyAt.set(id, Date.now());
    const after = [...readyAt.values()].filter((at) => at >= killedAt).map((at) => at - killedAt);
    const firstMs = Math.min(...after);
    const lastMs = Math.max(...after);
    console.log(`rabbit-cluster: ${ids.length} photos (${BEFORE_KILL + 1} before the kill, ${AFTER_KILL} after); from the SIGKILL of the leader to the first photo ready ${firstMs} ms, to the last ${lastMs} ms`);
    t.diagnostic(`from the kill to the first photo ready: ${firstMs} ms; to the last: ${lastMs} ms`);

    // Exactly once: in the database, on the sockets, in the home timeline.
    const [statuses] = await query<{ ready: number; other: number }>(
      c,
      `select count(*) filter (where status = 'ready')::int as ready, count(*) filter (where status <> 'ready')::int as other from photos where id = any($1::bigint[])`,
      [ids],
    );
    assert.deepEqual(statuses, { ready: ids.length, other: 0 });
    for (const s of [home, latest]) {
      await s.waitFor((events) => new Set(events.filter((e) => e.type === 'photo.ready').map((e) => (e.data as { photo: Photo }).photo.id)).size >= ids.length, 30_000);
    }
    await delay(2_000); // a duplicate would come now
    for (const [name, s] of [['home', home], ['latest', latest]] as const) {
      const got = eventsOf(s, 'photo.ready').map((e) => e.data.photo.id);
      assert.deepEqual([...got].sort(), [...ids].sort(), `${name}: one photo.ready per photo`);
    }
    const feed = (await allPages(url, '/api/feeds/home', { cookie: follower.cookie })).items.map((p) => p.id);
    assert.deepEqual([...feed].sort(), [...ids].sort(), 'the home timeline holds each photo once');
    const [rows] = await query<{ n: number }>(c, `select count(*)::int as n from home_timeline where photo_id = any($1::bigint[])`, [ids]);
    assert.equal(rows!.n, ids.length * 2, 'one home row per photo for the owner and for the follower');

    // Nothing stuck or dead: the outbox is empty, and so are the queues, on the surviving nodes.
    await until('the outbox to be relayed', async () => (await query<{ n: number }>(c, `select count(*)::int as n from jobs where status <> 'sent'`))[0]!.n, (n) => n === 0, 60_000, 250);
    const queues = await until(
      'every queue to be empty',
      async () => JSON.parse(await rabbit.cli('rabbitmqctl', survivors[0]!, ['list_queues', 'name', 'messages', '--formatter', 'json'])) as { name: string; messages: number }[],
      (qs) => qs.filter((q) => q.name.startsWith('strobe.')).every((q) => q.messages === 0),
      60_000,
      1_000,
    );
    assert.ok(queues.some((q) => q.name === RESIZE_QUEUE), 'the resize queue is still there, on the survivors');
    // The processes that were on the dead node moved to a survivor by themselves.
    const conns = await strobeConnections(rabbit, survivors[0]!);
    assert.deepEqual(new Set(conns.map((x) => x.pid)), new Set(pids), 'every process is connected again');
    assert.ok(conns.every((x) => survivors.some((n) => n.amqpPort === x.port)));
    passed = true;
  });
}

async function readyIds(c: IsolatedCluster, ids: string[]): Promise<Set<string>> {
  const rows = await query<{ id: string }>(c, `select id::text as id from photos where id = any($1::bigint[]) and status = 'ready'`, [ids]);
  return new Set(rows.map((r) => r.id));
}
