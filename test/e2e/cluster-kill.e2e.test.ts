// Fault test: three web instances and a worker behind HAProxy. Sixty sockets watch the lobby chat
// and the latest-photos wall while chat messages and photo uploads keep flowing; one instance is
// killed with SIGKILL, then another one is drained with SIGTERM. Every socket must end with the
// complete sequence, in order, with no gap and no duplicate, still signed in.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChatMessage, Photo } from '../../src/shared/api.js';
import { compareOffsets, type Envelope } from '../../src/shared/realtime.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { allPages, call, median, signUp, until, upload, type Session } from '../helpers/photos.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import { servicesUp } from '../helpers/services.js';
import { connect } from '../helpers/sockets.js';

const RECEIVERS = 10;
const TABS_PER_RECEIVER = 6; // 60 sockets
const SENDERS = 10;
const SEND_EVERY_MS = 500; // the chat limit is 20 per 10 s per user
const UPLOAD_EVERY_MS = 800;

interface Traffic {
  stop(): Promise<void>;
  sent: number;
  uploaded: number;
}

/** Chat from senders that retry over reconnects (same clientId), and uploads over HTTP. */
function startTraffic(cluster: TestCluster, senders: ResumingClient[], uploaders: Session[], jpeg: Buffer): Traffic {
  let running = true;
  const traffic = { sent: 0, uploaded: 0, stop: async () => {} };
  const sendLoop = async (client: ResumingClient, n: number) => {
    for (let i = 0; running; i++) {
      const clientId = `s${n}-${i}`;
      for (;;) {
        try {
          const ack = await client.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: `message ${clientId}`, clientId });
          assert.equal(ack.ok, true, JSON.stringify(ack));
          traffic.sent++;
          break;
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          await delay(100); // not connected, or the ack was lost with its instance: retry, same clientId
        }
      }
      await delay(SEND_EVERY_MS);
    }
  };
  const uploadLoop = async () => {
    while (running) {
      try {
        // Taking turns keeps every uploader under the limit of 30 uploads per 10 minutes.
        const uploader = uploaders[traffic.uploaded % uploaders.length]!;
        const res = await upload(cluster.url, uploader.cookie, { file: jpeg, caption: `upload ${traffic.uploaded}` });
        assert.equal(res.status, 202, JSON.stringify(res.body));
        traffic.uploaded++;
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        // the connection died with its instance; the next upload goes elsewhere
      }
      await delay(UPLOAD_EVERY_MS);
    }
  };
  const loops = [...senders.map((c, n) => sendLoop(c, n)), uploadLoop()];
  traffic.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return traffic;
}

function chatIds(events: Envelope[]): string[] {
  return events.filter((e) => e.type === 'chat.message').map((e) => (e.data as ChatMessage).id);
}

function photoIds(events: Envelope[]): string[] {
  return events.filter((e) => e.type === 'photo.ready').map((e) => (e.data as { photo: Photo }).photo.id);
}

async function setUp(t: TestContext) {
  const cluster = await startCluster(t, { web: 3, workers: 1 });
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => signUp(cluster.url, `watcher${i}`)));
  const senderSessions = await Promise.all(Array.from({ length: SENDERS }, (_, i) => signUp(cluster.url, `talker${i}`)));
  const clients = receivers.flatMap((r) => Array.from({ length: TABS_PER_RECEIVER }, () => new ResumingClient(cluster.url, ['chat:lobby', 'latest'], r.cookie)));
  const senders = senderSessions.map((s) => new ResumingClient(cluster.url, [], s.cookie));
  t.after(() => [...clients, ...senders].forEach((c) => c.close()));
  await Promise.all([...clients, ...senders].map((c) => c.ready()));
  return { cluster, receivers, clients, senders, uploaders: senderSessions, jpeg: await makeJpeg({ width: 800, height: 600 }) };
}

/** Waits for the world to settle, then checks every socket against what the database holds. */
async function checkEverySocket(t: TestContext, cluster: TestCluster, clients: ResumingClient[], receivers: Session[], uploaded: number): Promise<number> {
  const photos = (await allPages(cluster.url, '/api/feeds/latest')).items;
  const deadline = Date.now() + 30_000;
  let expectedPhotos = photos.map((p) => p.id);
  while (expectedPhotos.length < uploaded && Date.now() < deadline) {
    await delay(250);
    expectedPhotos = (await allPages(cluster.url, '/api/feeds/latest')).items.map((p) => p.id);
  }
  assert.ok(expectedPhotos.length >= uploaded, `${uploaded} uploads answered 202 but only ${expectedPhotos.length} photos are ready`);
  const history = (await allPages<ChatMessage>(cluster.url, '/api/chat/rooms/lobby/messages', { cookie: receivers[0]!.cookie })).items;
  const expectedChat = new Set(history.map((m) => m.id));
  const expectedPhotoSet = new Set(expectedPhotos);

  await Promise.all(
    clients.map((c) =>
      c.until(
        () => new Set(chatIds(c.streams.get('chat:lobby')!.events)).size >= expectedChat.size && new Set(photoIds(c.streams.get('latest')!.events)).size >= expectedPhotoSet.size,
        20_000,
        'every event to arrive',
      ),
    ),
  ).catch((err: Error) => assert.fail(`${err.message}\n${cluster.logs.slice(-40).join('\n')}`));

  let checked = 0;
  const reference = clients[0]!;
  for (const [i, c] of clients.entries()) {
    for (const [name, log] of c.streams) {
      for (let k = 1; k < log.events.length; k++) {
        if (compareOffsets(log.events[k - 1]!.offset, log.events[k]!.offset) < 0) continue;
        const around = log.events.slice(Math.max(0, k - 4), k + 3).map((e, j) => `${e.offset} ${e.type} ${log.how[Math.max(0, k - 4) + j]}`);
        assert.fail(`socket ${i} on ${name}: offset ${log.events[k]!.offset} after ${log.events[k - 1]!.offset} (a duplicate or a reordering); drops at ${JSON.stringify(c.drops)}, acks ${JSON.stringify(log.acks.map((a) => a.ok && { recovered: a.recovered, missed: a.missed.length, head: a.head }))}:\n${around.join('\n')}`);
      }
      checked += log.events.length;
      // Every resubscription replayed what was missed: none had to fall back to a refetch.
      for (const ack of log.acks.slice(1)) assert.ok(ack.ok && ack.recovered, `socket ${i} on ${name}: ${JSON.stringify(ack).slice(0, 200)}`);
    }
    const chat = chatIds(c.streams.get('chat:lobby')!.events);
    const seen = photoIds(c.streams.get('latest')!.events);
    assert.deepEqual(new Set(chat), expectedChat, `socket ${i}: the chat it received is not the room's history`);
    assert.deepEqual(new Set(seen), expectedPhotoSet, `socket ${i}: the photos it received are not the ready ones`);
    // One order for everyone: the offsets are the same on every instance.
    assert.deepEqual(chat, chatIds(reference.streams.get('chat:lobby')!.events), `socket ${i}: chat order differs`);
    assert.deepEqual(seen, photoIds(reference.streams.get('latest')!.events), `socket ${i}: photo order differs`);
  }
  // Nobody had to sign in again.
  for (const r of receivers) assert.equal((await call(cluster.url, 'GET', '/api/me', { cookie: r.cookie })).status, 200);
  t.diagnostic(`${checked} events checked across ${clients.length} sockets: ${expectedChat.size} chat messages and ${expectedPhotoSet.size} photos each`);
  return checked;
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('SIGKILL of a web instance under load: every socket resumes elsewhere with the complete ordered stream, signed in', { timeout: 240_000 }, async (t) => {
    const { cluster, receivers, clients, senders, uploaders, jpeg } = await setUp(t);
    // A user connected straight to web1, who will not come back: the others must see them leave.
    const ghost = await signUp(cluster.url, 'ghost');
    const direct = await connect(`http://127.0.0.1:${cluster.instances.get('web1')!.port}`, ghost.cookie);
    t.after(() => direct.close());
    assert.equal((await direct.socket.emitWithAck('subscribe', { stream: 'chat:lobby' })).ok, true);
    const present = async () => (await call<{ items: { username: string }[] }>(cluster.url, 'GET', '/api/chat/rooms/lobby/presence', { cookie: receivers[0]!.cookie })).body.items.map((u) => u.username);
    assert.ok((await present()).includes('ghost'));
    const traffic = startTraffic(cluster, senders, uploaders, jpeg);
    await delay(4_000);

    const killedAt = Date.now();
    await cluster.signal('web1', 'SIGKILL');
    const affected = await (async () => {
      await delay(300); // the dropped connections are noticed at once: the kernel closes them
      return clients.filter((c) => c.drops.length > 0);
    })();
    assert.ok(affected.length >= 10, `only ${affected.length} of ${clients.length} sockets were on the killed instance`);
    await Promise.all(affected.map((c) => c.until(() => c.resumed, 30_000, 'resume after the kill'))).catch((err: Error) =>
      assert.fail(`${err.message}\n${cluster.logs.slice(-40).join('\n')}`),
    );
    const resumeMs = affected.map((c) => c.drops.at(-1)!.resumedAt! - killedAt);
    t.diagnostic(`kill -> resumed: ${affected.length} sockets moved; median ${median(resumeMs)} ms, all within ${Math.max(...resumeMs)} ms`);

    // The killed instance's presence heartbeats stop: its users drop out when their entries expire.
    await until('the ghost to leave the lobby', present, (names) => !names.includes('ghost'), 30_000, 250);
    t.diagnostic(`kill -> the killed instance's user left the presence list after ${Date.now() - killedAt} ms`);
    const ghostLeft = () => clients[0]!.streams.get('chat:lobby')!.events.filter((e) => e.type === 'presence.left' && (e.data as { user: { username: string } }).user.username === 'ghost');
    await clients[0]!.until(() => ghostLeft().length > 0, 10_000, 'presence.left for the ghost');

    await delay(3_000);
    await traffic.stop();
    t.diagnostic(`${traffic.sent} chat messages sent, ${traffic.uploaded} photos uploaded during the run`);
    await checkEverySocket(t, cluster, clients, receivers, traffic.uploaded);
    assert.equal(ghostLeft().length, 1, 'one presence.left, however many instances swept');
  });

  test('SIGTERM of a web instance: it drains within 10 s and its clients move without missing anything', { timeout: 240_000 }, async (t) => {
    const { cluster, receivers, clients, senders, uploaders, jpeg } = await setUp(t);
    const traffic = startTraffic(cluster, senders, uploaders, jpeg);
    await delay(3_000);

    const child = cluster.instances.get('web2')!.child!;
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const termAt = Date.now();
    child.kill('SIGTERM');
    const code = await exit;
    const drainMs = Date.now() - termAt;
    assert.equal(code, 0, `the drained instance exited with ${code}\n${cluster.logs.filter((l) => l.startsWith('web2')).slice(-30).join('\n')}`);
    assert.ok(drainMs < 10_000, `draining took ${drainMs} ms`);
    const moved = clients.filter((c) => c.drops.length > 0);
    assert.ok(moved.length >= 10, `only ${moved.length} sockets were on the drained instance`);
    await Promise.all(moved.map((c) => c.until(() => c.resumed, 30_000, 'resume after the drain')));
    const resumeMs = moved.map((c) => c.drops.at(-1)!.resumedAt! - termAt);
    t.diagnostic(`SIGTERM -> exit ${drainMs} ms; ${moved.length} sockets moved, median ${median(resumeMs)} ms, all within ${Math.max(...resumeMs)} ms`);

    await delay(2_000);
    await traffic.stop();
    await checkEverySocket(t, cluster, clients, receivers, traffic.uploaded);
  });
}
