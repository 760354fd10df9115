// A client that stops reading must not make the server buffer without bound: it is cut off, as a
// lost transport, and would resume with `since` when it comes back.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import WebSocket from 'ws';
import { buildTestApp, register } from '../helpers/app.js';

test('a client that stops reading is disconnected once its queue passes the cap', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const alice = await register(app, 'alice');

  // A raw Engine.IO/Socket.IO client, so we can stop reading from the TCP socket.
  const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { cookie: alice.cookie },
  });
  const subscribed = new Promise<void>((resolve) => {
    ws.on('message', (raw) => {
      const frame = raw.toString();
      if (frame.startsWith('0')) ws.send('40');
      else if (frame.startsWith('40')) ws.send('420["subscribe",{"stream":"user"}]');
      else if (frame.startsWith('430')) resolve();
    });
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.on('error', () => {});
  await subscribed;
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();

  const big = 'x'.repeat(64 * 1024);
  let sent = 0;
  const deadline = Date.now() + 20_000;
  while (app.realtime.io.sockets.sockets.size > 0 && Date.now() < deadline) {
    for (let i = 0; i < 20; i++) await app.adapters.bus.publish(`user:${alice.id}`, 'photo.failed', { id: '1', reason: big });
    sent += 20;
    await sleep(5);
  }
  assert.equal(app.realtime.io.sockets.sockets.size, 0, `still connected after ${sent} events of 64 KiB`);
  assert.ok(sent * 64 < 200 * 1024, `cut off after ${sent * 64} KiB, well before 200 MiB`);
  assert.equal(app.realtime.hub.streamCount, 0, 'its subscriptions are gone');
  (ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await closed;
});
