// Fault test: a Redis Cluster master dies (SIGKILL) under a steady chat stream. Two `strobe web`
// instances and a worker behind HAProxy run on a local six-node cluster (three masters with a
// replica each); a dozen resuming sockets watch the lobby while senders keep talking (retrying
// over errors with the same clientId). The master owning the lobby's slot is killed: its replica
// must take over, the instances must notice by themselves and move every watching socket to
// resume, each resume must be exact (`recovered: true` with the complete sequence where the
// history survived on the replica, `false` with nothing replayed where it did not), and nothing
// kept in PostgreSQL may be lost or duplicated. Sessions lived on the cluster too: nobody signs in again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { historyKey } from '../../src/adapters/redis/bus.js';
import type { ChatMessage } from '../../src/shared/api.js';
import { compareOffsets, type Envelope } from '../../src/shared/realtime.js';
import { startCluster } from '../helpers/cluster.js';
import { allPages, call, median, signUp } from '../helpers/photos.js';
import { redisClusterAvailable, startRedisCluster } from '../helpers/redis-cluster.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import { servicesUp } from '../helpers/services.js';

const RECEIVERS = 4;
const TABS = 3;
const SENDERS = 4;
const SEND_EVERY_MS = 500; // the chat limit is 20 per 10 s per user

const chatIds = (events: Envelope[]) => events.filter((e) => e.type === 'chat.message').map((e) => (e.data as ChatMessage).id);

if ((await servicesUp(['postgres', 'amqp'])) && (await redisClusterAvailable())) {
  test('Redis Cluster master SIGKILL: the replica takes over, instances notice, every socket resumes exactly, nothing is lost', { timeout: 300_000 }, async (t) => {
    const redis = await startRedisCluster();
    t.after(() => redis.stop());
    const cluster = await startCluster(t, { web: 2, workers: 1, redisUrl: redis.url });
    const receivers = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => signUp(cluster.url, `watcher${i}`)));
    const talkers = await Promise.all(Array.from({ length: SENDERS }, (_, i) => signUp(cluster.url, `talker${i}`)));
    const clients = receivers.flatMap((r) => Array.from({ length: TABS }, () => new ResumingClient(cluster.url, ['chat:lobby'], r.cookie)));
    const senders = talkers.map((s) => new ResumingClient(cluster.url, [], s.cookie));
    t.after(() => [...clients, ...senders].forEach((c) => c.close()));
    await Promise.all([...clients, ...senders].map((c) => c.ready()));

    // Chat from senders that retry over errors and reconnects with the same clientId.
    let running = true;
    const acked: string[] = [];
    let retries = 0;
    const loops = senders.map(async (client, n) => {
      for (let i = 0; running; i++) {
        const clientId = `s${n}-${i}`;
        for (;;) {
          try {
            const ack = await client.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: `message ${clientId}`, clientId });
            if (ack.ok) {
              acked.push(clientId);
              break;
            }
          } catch {
            // not connected, or the ack was lost: retry
          }
          retries++;
          await delay(200);
        }
        await delay(SEND_EVERY_MS);
      }
    });
    await delay(3_000);

    const key = historyKey(cluster.redisPrefix, 'chat:lobby');
    const victim = await redis.masterOf(key);
    assert.ok(Number(await redis.cli(victim, 'xlen', key)) > 0, 'the lobby history lives on the master about to die');
    const before = new Map(clients.map((c) => [c, c.streams.get('chat:lobby')!.since]));
    const killedAt = Date.now();
    redis.kill(victim);
    const readiness = watchReadiness(cluster.instances, () => running);

    await redis.waitUntilOk(60_000);
    const successor = await redis.masterOf(key);
    assert.notEqual(successor, victim, 'a replica took over the slot');
    const failoverMs = Date.now() - killedAt;

    await Promise.all(clients.map((c) => c.until(() => c.drops.some((d) => d.at >= killedAt) && c.resumed, 60_000, 'a resume after the failover'))).catch((err: Error) =>
      assert.fail(`${err.message}\n${cluster.logs.slice(-40).join('\n')}`),
    );
    const resumeMs = clients.map((c) => c.drops.at(-1)!.resumedAt! - killedAt);
    const line = `master :${victim} SIGKILL -> replica :${successor} serving the slot after ${failoverMs} ms; every socket resumed within ${Math.max(...resumeMs)} ms (median ${median(resumeMs)} ms)`;
    t.diagnostic(line);
    console.log(`redis-failover: ${line}`);

    await delay(3_000);
    running = false;
    await Promise.all(loops);
    const readyStates = await readiness;

    // PostgreSQL-backed state: every acknowledged message is there, once.
    const history = (await allPages<ChatMessage>(cluster.url, '/api/chat/rooms/lobby/messages', { cookie: receivers[0]!.cookie })).items;
    const texts = history.map((m) => m.text);
    assert.equal(new Set(texts).size, texts.length, 'no message stored twice');
    for (const clientId of acked) assert.ok(texts.includes(`message ${clientId}`), `acked message ${clientId} is stored`);
    const expected = new Set(history.map((m) => m.id));

    // Where the history survived on the replica, the resume replayed it: the stream is complete.
    const last = await redis.cli(successor, 'xrevrange', key, '+', '-', 'COUNT', '1');
    let recovered = 0;
    let refused = 0;
    await Promise.all(clients.map((c) => c.until(() => new Set(chatIds(c.streams.get('chat:lobby')!.events)).size >= expected.size, 20_000, 'every message').catch(() => {})));
    for (const [i, c] of clients.entries()) {
      const log = c.streams.get('chat:lobby')!;
      for (let k = 1; k < log.events.length; k++) assert.ok(compareOffsets(log.events[k - 1]!.offset, log.events[k]!.offset) < 0, `socket ${i}: offsets go forward, no duplicate`);
      for (const ack of log.acks) assert.ok(ack.ok, `socket ${i}: ${JSON.stringify(ack)}`);
      for (const ack of log.acks.slice(1)) {
        if (!ack.ok) continue;
        if (ack.recovered) recovered++;
        else {
          refused++;
          // Never a partial history: a refused resume replays nothing, and only where the replica lacked it.
          assert.deepEqual(ack.missed, [], `socket ${i}`);
          assert.ok(!last || compareOffsets(before.get(c)!, last.split('\n')[0]!) > 0, `socket ${i}: refused although the history reaching ${before.get(c)} survived`);
        }
      }
      if (log.acks.slice(1).every((a) => a.ok && a.recovered)) assert.deepEqual(new Set(chatIds(log.events)), expected, `socket ${i}: the chat it received is not the room's history`);
    }
    t.diagnostic(`${acked.length} messages acked (${retries} retried sends), ${history.length} stored; resumes: ${recovered} recovered, ${refused} refused`);
    t.diagnostic(`readiness during the failover: ${JSON.stringify(readyStates)}`);

    // Sessions were on the cluster, some on the killed master: its replica has them.
    for (const r of [...receivers, ...talkers]) assert.equal((await call(cluster.url, 'GET', '/api/me', { cookie: r.cookie })).status, 200);
    for (const [name, instance] of cluster.instances) {
      if (!name.startsWith('web')) continue;
      assert.equal((await fetch(`http://127.0.0.1:${instance.port}/readyz`)).status, 200, `${name} is ready again`);
    }
  });
}

/** Polls every web instance's /readyz until `running` turns false; returns what each answered. */
async function watchReadiness(instances: Map<string, { port?: number }>, running: () => boolean): Promise<Record<string, number[]>> {
  const seen: Record<string, number[]> = {};
  while (running()) {
    for (const [name, instance] of instances) {
      if (!name.startsWith('web') || !instance.port) continue;
      const status = await fetch(`http://127.0.0.1:${instance.port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);
      const list = (seen[name] ??= []);
      if (list.at(-1) !== status) list.push(status);
    }
    await delay(100);
  }
  return seen;
}
