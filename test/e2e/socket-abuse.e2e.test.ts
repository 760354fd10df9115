// One socket must not be able to make the server buffer without bound, or replay without end: what
// it is answered counts toward the same send-queue cap as live events, and subscribe/unsubscribe
// requests have a budget per socket.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import WebSocket from 'ws';
import { STREAM_REQUESTS } from '../../src/realtime/socket-server.js';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, register } from '../helpers/app.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

type Ack = SubscribeAck | { ok: true } | { ok: false; error: { code: string; message: string } };

function request(s: TestSocket, event: 'subscribe' | 'unsubscribe', req: { stream: string; since?: string }): Promise<Ack> {
  return (s.socket as unknown as { timeout(ms: number): { emitWithAck(e: string, r: unknown): Promise<Ack> } }).timeout(10_000).emitWithAck(event, req);
}

test('an anonymous client that asks for replays and never reads them is cut off; the server carries on', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  // A full history of 1 KB events: each replay of it is a 2 MB reply.
  const since = (await app.adapters.bus.publish('latest', 'photo.deleted', { id: 'first' })).offset;
  for (let i = 0; i < 2_000; i++) await app.adapters.bus.publish('latest', 'photo.deleted', { id: `${i}`.padEnd(1_000, '.') });

  // A raw Engine.IO/Socket.IO client, so we can stop reading from its TCP socket.
  const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  ws.on('error', () => {});
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    ws.on('message', (raw) => {
      const frame = raw.toString();
      if (frame.startsWith('0')) ws.send('40');
      else if (frame.startsWith('40')) resolve();
    });
  });
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();

  const start = Date.now();
  let asked = 0;
  const frame = JSON.stringify(['subscribe', { stream: 'latest', since }]);
  // 100 replays would be 200 MB; the cap is 8 MB (plus what the kernel holds).
  while (app.realtime.io.sockets.sockets.size > 0 && asked < 100) {
    for (let i = 0; i < 5; i++) ws.send(`42${++asked}${frame}`);
    await sleep(20);
  }
  const deadline = Date.now() + 3_000;
  while (app.realtime.io.sockets.sockets.size > 0 && Date.now() < deadline) await sleep(20);
  const tookMs = Date.now() - start;
  assert.equal(app.realtime.io.sockets.sockets.size, 0, `still connected after ${asked} replays were asked for (${tookMs} ms)`);
  // The ping timeout (10 s + 5 s) would end it too, after buffering everything asked for until then.
  assert.ok(tookMs < 5_000, `cut off after ${tookMs} ms, not by the back-pressure cap`);
  assert.equal(app.realtime.hub.streamCount, 0, 'its subscription is gone');
  t.diagnostic(`cut off after ${tookMs} ms, ${asked} replays asked for`);

  // The server is fine: a client that reads gets the same replay, in full.
  const reader = await connect(app.url);
  t.after(() => reader.close());
  const ack = (await request(reader, 'subscribe', { stream: 'latest', since })) as SubscribeAck;
  assert.ok(ack.ok && ack.recovered, JSON.stringify(ack).slice(0, 200));
  assert.equal(ack.missed.length, 2_000);
  (ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await closed;
});

test("subscribe floods are refused RATE_LIMITED past a socket's budget; a page's resubscribe burst is fine", async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const user = await register(app, 'pager');
  const cities = (await app.app.inject({ method: 'GET', url: '/api/cities?q=San&limit=16' })).json().items as { slug: string }[];
  assert.equal(cities.length, 16);
  const page = ['latest', 'user', 'home', 'chat:lobby', ...cities.map((c) => `city:${c.slug}`)];

  // A page coming back after a reconnect resubscribes everything at once, and later leaves it all.
  const s = await connect(app.url, user.cookie);
  t.after(() => s.close());
  const subscribed = await Promise.all(page.map((stream) => request(s, 'subscribe', { stream })));
  assert.deepEqual(subscribed.filter((ack) => !ack.ok), [], 'the burst was refused');
  const left = await Promise.all(page.map((stream) => request(s, 'unsubscribe', { stream })));
  assert.deepEqual(left.filter((ack) => !ack.ok), []);

  // Past the budget: refused, cheaply, and the connection stays up.
  const flood = await Promise.all(
    Array.from({ length: 100 }, (_, i) => request(s, i % 2 ? 'unsubscribe' : 'subscribe', { stream: 'latest', since: '1-0' })),
  );
  const refused = flood.filter((ack) => !ack.ok);
  assert.ok(refused.length >= 80, `only ${refused.length} of 100 were refused`);
  for (const ack of refused) {
    assert.equal(ack.ok || ack.error.code, 'RATE_LIMITED');
    assert.match(ack.ok ? '' : ack.error.message, /Try again in \d+ s/);
  }
  assert.ok(s.socket.connected);

  // The budget comes back with time.
  await sleep(STREAM_REQUESTS.everyMs * 3);
  assert.ok((await request(s, 'subscribe', { stream: 'latest' })).ok);
  // Budgets are per socket: another connection of the same user is not affected.
  const other = await connect(app.url, user.cookie);
  t.after(() => other.close());
  const acks = await Promise.all(page.map((stream) => request(other, 'subscribe', { stream })));
  assert.deepEqual(acks.filter((ack) => !ack.ok), []);
});
