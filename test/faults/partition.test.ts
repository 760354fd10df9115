// Fault test on separate hosts: every Strobe process, HAProxy, Redis, PostgreSQL, RabbitMQ and the
// S3 server run in network namespaces of their own (test/helpers/netns-cluster.ts); the test is a
// client on the bridge. One web host is cut off from Redis, then another from PostgreSQL, while its
// clients stay connected to it: within a few seconds it reports not ready, HAProxy takes it out, and
// it drops its sockets so they resume on another instance with nothing lost or duplicated; when the
// link returns it is ready again and HAProxy sends it clients again. Last, a web instance is killed
// with SIGKILL, and its clients resume the same way. Times are printed as diagnostics.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { io } from 'socket.io-client';
import type { ChatMessage, Photo } from '../../src/shared/api.js';
import { compareOffsets, type Envelope } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import { NetnsCluster } from '../helpers/netns-cluster.js';
import { allPages, call, median, signUp, upload, type Session } from '../helpers/photos.js';
import { ResumingClient } from '../helpers/resuming-client.js';

const RECEIVERS = 6;
const TABS_PER_RECEIVER = 3; // 18 watching sockets
const SENDERS = 4;
const SEND_EVERY_MS = 600; // under the chat limit of 20 per 10 s per user
const UPLOAD_EVERY_MS = 1_500;
/** Cut -> every client resumed elsewhere; generous, the watchdog's grace is 2.5 s. */
const RESUME_WITHIN_MS = 30_000;

/** What these tests need besides Node: root (namespaces), iproute2, the services' own binaries. */
function missingTools(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const [tool, probe] of [
    ['iproute2 (ip, bridge)', ['bridge', '-V']],
    ['redis-server', ['redis-server', '--version']],
    ['haproxy', ['haproxy', '-v']],
    ['setpriv', ['setpriv', '--version']],
    ['rabbitmq-server', ['test', '-x', '/usr/lib/rabbitmq/bin/rabbitmq-server']],
  ] as const) {
    try {
      execFileSync(probe[0], probe.slice(1), { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    } catch {
      missing.push(tool);
    }
  }
  return missing;
}

const missing = missingTools();
if (missing.length > 0) {
  const message = `the partition tests need ${missing.join(', ')}`;
  if (process.env.CI) throw new Error(`${message}; in CI fault tests never skip`);
  console.error(`\n!!! SKIPPED: ${message}. !!!\n`);
  test(`SKIPPED: ${message}`, { skip: message }, () => {});
} else {
  let cluster: NetnsCluster;
  let jpeg: Buffer;
  before(async () => {
    cluster = await NetnsCluster.start({ web: 3, workers: 1 });
    jpeg = await makeJpeg({ width: 640, height: 480 });
  });
  after(() => cluster?.stop());

  test('a web host cut off from Redis gives up its clients, who resume elsewhere with nothing lost; it rejoins when the link returns', { timeout: 180_000 }, async (t) => {
    await partition(t, { tag: 'redis', web: 'web1', service: 'redis' });
  });

  test('a web host cut off from PostgreSQL gives up its clients, who resume elsewhere with nothing lost; it rejoins when the link returns', { timeout: 180_000 }, async (t) => {
    await partition(t, { tag: 'pg', web: 'web2', service: 'postgres' });
  });

  test('SIGKILL of a web host: its clients resume on the others with nothing lost, no shared loopback or filesystem', { timeout: 180_000 }, async (t) => {
    const run = await setUp(t, 'kill');
    await delay(2_000);
    const before = await connectionsOn('web3');
    assert.ok(before > 0, 'web3 has clients to lose');
    const killedAt = Date.now();
    await cluster.signal('web3', 'SIGKILL');
    const affected = await until('the killed host to have clients who dropped', () => run.clients.filter((c) => droppedSince(c, killedAt)), (a) => a.length >= 1, 5_000);
    await waitResumed(affected, killedAt);
    const resumeMs = affected.map((c) => c.drops.at(-1)!.resumedAt! - killedAt);
    t.diagnostic(`SIGKILL -> resumed: ${affected.length} of ${run.clients.length} watching sockets moved; median ${median(resumeMs)} ms, all within ${Math.max(...resumeMs)} ms`);
    await delay(2_000);
    await run.traffic.stop();
    await checkEverySocket(t, run);
  });

  interface Run {
    tag: string;
    receivers: Session[];
    clients: ResumingClient[];
    senders: ResumingClient[];
    traffic: Traffic;
  }

  interface Traffic {
    stop(): Promise<void>;
    /** Chat messages whose send was acknowledged, by id. */
    acked: Set<string>;
    /** Photos whose upload answered 202, by id. */
    uploaded: Set<string>;
  }

  /** Users and sockets through the load balancer, then chat and uploads that keep flowing. */
  async function setUp(t: TestContext, tag: string): Promise<Run> {
    const receivers = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => signUp(cluster.url, `${tag}watch${i}`)));
    const senderSessions = await Promise.all(Array.from({ length: SENDERS }, (_, i) => signUp(cluster.url, `${tag}talk${i}`)));
    const clients = receivers.flatMap((r) => Array.from({ length: TABS_PER_RECEIVER }, () => new ResumingClient(cluster.url, ['chat:lobby', 'latest'], r.cookie)));
    const senders = senderSessions.map((s) => new ResumingClient(cluster.url, [], s.cookie));
    t.after(() => [...clients, ...senders].forEach((c) => c.close()));
    await Promise.all([...clients, ...senders].map((c) => c.ready()));
    return { tag, receivers, clients, senders, traffic: startTraffic(tag, senders, senderSessions) };
  }

  /** Chat from senders that retry over reconnects with the same clientId, and uploads over HTTP. */
  function startTraffic(tag: string, senders: ResumingClient[], uploaders: Session[]): Traffic {
    let running = true;
    const acked = new Set<string>();
    const uploaded = new Set<string>();
    const sendLoop = async (client: ResumingClient, n: number) => {
      for (let i = 0; running; i++) {
        const clientId = `${tag}-s${n}-${i}`;
        for (;;) {
          try {
            const ack = await client.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: `${tag} ${clientId}`, clientId });
            if (!ack.ok && ack.error.code !== 'UNAVAILABLE' && ack.error.code !== 'INTERNAL') assert.fail(JSON.stringify(ack));
            if (ack.ok) {
              acked.add(ack.message.id);
              break;
            }
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
          }
          // Not connected, the ack was lost, or the instance could not reach a dependency: retry, same clientId.
          await delay(200);
        }
        await delay(SEND_EVERY_MS);
      }
    };
    const uploadLoop = async () => {
      for (let i = 0; running; i++) {
        try {
          const res = await upload(cluster.url, uploaders[i % uploaders.length]!.cookie, { file: jpeg, caption: `${tag} upload ${i}` });
          if (res.status === 202) uploaded.add(res.body.photo.id);
        } catch {
          // the instance could not answer; the next upload goes elsewhere
        }
        await delay(UPLOAD_EVERY_MS);
      }
    };
    const loops = [...senders.map((c, n) => sendLoop(c, n)), uploadLoop()];
    return {
      acked,
      uploaded,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  async function partition(t: TestContext, { tag, web, service }: { tag: string; web: string; service: string }) {
    const run = await setUp(t, tag);
    await delay(2_000);
    assert.ok((await connectionsOn(web)) > 0, `${web} has clients to give up`);
    const watchingThere = await connectionsOn(web);

    const cutAt = Date.now();
    cluster.cut(web, service);
    t.after(() => cluster.restore(web, service)); // whatever fails below, the next test gets the link back
    const [notReady, down] = await Promise.all([
      until(`${web} to answer /readyz with 503`, () => readyz(web), (s) => s === 503, 20_000).then(() => Date.now() - cutAt),
      until(`HAProxy to mark ${web} down`, () => balancerState(web), (s) => s.startsWith('DOWN'), 20_000).then(() => Date.now() - cutAt),
    ]);
    // It gave up every socket, and refuses new ones while it is not ready.
    await until(`${web} to drop its sockets`, () => connectionsOn(web), (n) => n === 0, 10_000);
    assert.equal(await socketAccepted(cluster.webUrl(web)), false, `${web} accepted a socket while not ready`);

    const affected = run.clients.filter((c) => droppedSince(c, cutAt));
    assert.ok(affected.length >= 1, `none of the watching sockets was on ${web} (it had ${watchingThere} connections)`);
    await waitResumed(affected, cutAt);
    const resumeMs = affected.map((c) => c.drops.at(-1)!.resumedAt! - cutAt);
    t.diagnostic(
      `${web} cut from ${service}: /readyz 503 after ${notReady} ms, HAProxy DOWN after ${down} ms; ` +
        `${affected.length} of ${run.clients.length} watching sockets (${watchingThere} connections with the senders') resumed elsewhere, ` +
        `median ${median(resumeMs)} ms, every client within ${Math.max(...resumeMs)} ms of the cut`,
    );

    // Events keep flowing while the link is down; then it comes back.
    await delay(3_000);
    const restoredAt = Date.now();
    cluster.restore(web, service);
    const [ready, up] = await Promise.all([
      until(`${web} to be ready again`, () => readyz(web), (s) => s === 200, 30_000).then(() => Date.now() - restoredAt),
      until(`HAProxy to mark ${web} up again`, () => balancerState(web), (s) => s === 'UP', 30_000).then(() => Date.now() - restoredAt),
    ]);
    // HAProxy sends it clients again: new sockets go to the instance with the fewest connections.
    assert.equal(await socketAccepted(cluster.webUrl(web)), true, `${web} refused a socket once ready again`);
    const newcomers = Array.from({ length: 4 }, () => new ResumingClient(cluster.url, ['latest']));
    t.after(() => newcomers.forEach((c) => c.close()));
    await Promise.all(newcomers.map((c) => c.ready()));
    const rejoined = await until(`${web} to get clients through HAProxy again`, () => connectionsOn(web), (n) => n > 0, 10_000);
    t.diagnostic(`link restored: ${web} ready after ${ready} ms, HAProxy UP after ${up} ms; ${rejoined} new connections reached it through HAProxy`);

    await delay(2_000);
    await run.traffic.stop();
    await checkEverySocket(t, run);
  }

  /** Every watching socket got every event of its run exactly once, in order, resumed without a refetch. */
  async function checkEverySocket(t: TestContext, run: Run): Promise<void> {
    const { tag, clients, receivers, traffic } = run;
    const history = (await allPages<ChatMessage>(cluster.url, '/api/chat/rooms/lobby/messages', { cookie: receivers[0]!.cookie })).items;
    const expectedChat = new Set(history.filter((m) => m.text.startsWith(`${tag} `)).map((m) => m.id));
    for (const id of traffic.acked) assert.ok(expectedChat.has(id), `acknowledged message ${id} is not in the room's history`);
    // Every upload that answered 202 becomes ready (the worker reads and writes the S3 bucket).
    const expectedPhotos = traffic.uploaded;
    await until(
      'the uploads to be ready',
      async () => (await allPages(cluster.url, '/api/feeds/latest')).items.filter((p: Photo) => expectedPhotos.has(p.id)).length,
      (n) => n === expectedPhotos.size,
      30_000,
      250,
    );
    const chatIds = (events: Envelope[]) => events.filter((e) => e.type === 'chat.message' && expectedChat.has((e.data as ChatMessage).id)).map((e) => (e.data as ChatMessage).id);
    const photoIds = (events: Envelope[]) => events.filter((e) => e.type === 'photo.ready' && expectedPhotos.has((e.data as { photo: Photo }).photo.id)).map((e) => (e.data as { photo: Photo }).photo.id);
    await Promise.all(
      clients.map((c) =>
        c.until(
          () => new Set(chatIds(c.streams.get('chat:lobby')!.events)).size >= expectedChat.size && new Set(photoIds(c.streams.get('latest')!.events)).size >= expectedPhotos.size,
          20_000,
          'every event to arrive',
        ),
      ),
    ).catch((err: Error) => {
      // Which events are missing, and from how many sockets: missing from all means never published.
      const missingChat = [...expectedChat].map((id) => ({ id, on: clients.filter((c) => !chatIds(c.streams.get('chat:lobby')!.events).includes(id)).length }));
      const missingPhotos = [...expectedPhotos].map((id) => ({ id, on: clients.filter((c) => !photoIds(c.streams.get('latest')!.events).includes(id)).length }));
      const describe = (m: { id: string; on: number }[], kind: string) =>
        m.filter((x) => x.on > 0).map((x) => {
          const message = history.find((h) => h.id === x.id);
          return `${kind} ${x.id}${message ? ` "${message.text}" at ${message.createdAt}` : ''}${traffic.acked.has(x.id) ? ' (acknowledged)' : ''}: missing on ${x.on} of ${clients.length} sockets`;
        });
      assert.fail(`${err.message}\n${[...describe(missingChat, 'chat'), ...describe(missingPhotos, 'photo')].join('\n')}\n${cluster.logs.slice(-40).join('\n')}`);
    });

    let checked = 0;
    for (const [i, c] of clients.entries()) {
      for (const [name, log] of c.streams) {
        for (let k = 1; k < log.events.length; k++) {
          assert.ok(
            compareOffsets(log.events[k - 1]!.offset, log.events[k]!.offset) < 0,
            `socket ${i} on ${name}: offset ${log.events[k]!.offset} after ${log.events[k - 1]!.offset} (${log.how[k]}): a duplicate or a reordering; drops ${JSON.stringify(c.drops)}`,
          );
        }
        checked += log.events.length;
        // Every resubscription replayed what was missed: none had to fall back to a refetch.
        for (const ack of log.acks.slice(1)) assert.ok(ack.ok && ack.recovered, `socket ${i} on ${name}: ${JSON.stringify(ack).slice(0, 200)}`);
      }
      assert.deepEqual(new Set(chatIds(c.streams.get('chat:lobby')!.events)), expectedChat, `socket ${i}: the chat it received is not what was sent`);
      assert.deepEqual(new Set(photoIds(c.streams.get('latest')!.events)), expectedPhotos, `socket ${i}: the photos it received are not the uploaded ones`);
    }
    // Nobody had to sign in again.
    for (const r of receivers) assert.equal((await call(cluster.url, 'GET', '/api/me', { cookie: r.cookie })).status, 200);
    t.diagnostic(`${checked} events checked across ${clients.length} sockets: ${expectedChat.size} chat messages (${traffic.acked.size} acknowledged) and ${expectedPhotos.size} photos each`);
  }

  function droppedSince(c: ResumingClient, at: number): boolean {
    return c.drops.some((d) => d.at >= at);
  }

  async function waitResumed(affected: ResumingClient[], since: number): Promise<void> {
    await Promise.all(affected.map((c) => c.until(() => c.resumed, RESUME_WITHIN_MS, 'resume'))).catch((err: Error) =>
      assert.fail(`${err.message} (${affected.filter((c) => !c.resumed).length} of ${affected.length} not resumed ${Date.now() - since} ms after the fault)\n${cluster.logs.slice(-40).join('\n')}`),
    );
  }

  /** The instance's own /readyz status, asked straight (not through HAProxy); 0 when it does not answer. */
  async function readyz(web: string): Promise<number> {
    try {
      return (await fetch(`${cluster.webUrl(web)}/readyz`, { signal: AbortSignal.timeout(3_000) })).status;
    } catch {
      return 0;
    }
  }

  async function balancerState(web: string): Promise<string> {
    return (await cluster.balancerStatus())[web] ?? 'missing';
  }

  /** Realtime connections open on the instance, from its /metrics. */
  async function connectionsOn(web: string): Promise<number> {
    const res = await fetch(`${cluster.webUrl(web)}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const line = (await res.text()).split('\n').find((l) => l.startsWith('strobe_realtime_connections '));
    assert.ok(line, `${web} /metrics has no strobe_realtime_connections`);
    return Number(line.split(' ')[1]);
  }

  /** Whether the instance accepts a socket.io connection (one attempt, no reconnection). */
  function socketAccepted(url: string): Promise<boolean> {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5_000 });
    return new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    }).finally(() => socket.close());
  }

  async function until<T>(what: string, fn: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    for (;;) {
      try {
        last = await fn();
        if (ok(last)) return last;
      } catch {
        // an instance that does not answer yet
      }
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 300)}\n${cluster.logs.slice(-30).join('\n')}`);
      await delay(everyMs);
    }
  }
}
