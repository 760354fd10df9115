// Resume after a dropped connection: exactly what was missed, once, in order; and an honest
// `recovered: false` when the history no longer reaches back.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { compareOffsets } from '../../src/shared/realtime.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

async function subscribe(s: TestSocket, stream: string, since?: string) {
  const ack = (await s.socket.emitWithAck('subscribe', since ? { stream, since } : { stream })) as SubscribeAck;
  assert.ok(ack.ok, JSON.stringify(ack));
  return ack;
}

async function say(app: TestApp, cookie: string, texts: string[]) {
  const s = await connect(app.url, cookie);
  try {
    for (const text of texts) {
      const ack = await s.socket.emitWithAck('chat:send', { room: 'lobby', text, clientId: `c-${text}` });
      assert.ok(ack.ok, JSON.stringify(ack));
    }
  } finally {
    s.close();
  }
}

const texts = (events: Envelope[]) => events.filter((e) => e.type === 'chat.message').map((e) => (e.data as { text: string }).text);

test('a dropped client resumes with `since` and gets exactly what it missed', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const alice = await register(app, 'alice');
  const bob = await register(app, 'bob');

  const a1 = await connect(app.url, alice.cookie);
  await subscribe(a1, 'chat:lobby');
  await say(app, bob.cookie, ['one', 'two']);
  await a1.waitFor((ev) => texts(ev).length === 2);
  const since = a1.events.at(-1)!.offset;
  a1.socket.disconnect();

  await say(app, bob.cookie, ['three', 'four', 'five']);

  const a2 = await connect(app.url, alice.cookie);
  t.after(() => a2.close());
  const ack = await subscribe(a2, 'chat:lobby', since);
  assert.ok(ack.ok);
  assert.equal(ack.recovered, true);
  assert.deepEqual(texts(ack.missed), ['three', 'four', 'five']);
  for (let i = 1; i < ack.missed.length; i++) assert.ok(compareOffsets(ack.missed[i]!.offset, ack.missed[i - 1]!.offset) > 0);
  assert.ok(ack.missed.every((e) => e.stream === 'chat:lobby'));

  await say(app, bob.cookie, ['six']);
  await a2.waitFor((ev) => texts(ev).includes('six'));
  await sleep(100);
  assert.deepEqual(texts(a2.events), ['six'], 'nothing from the replay is sent again live');
});

test('events that race the subscribe reply are neither lost nor doubled', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const alice = await register(app, 'alice');
  const stream = `user:${alice.id}`;
  const published: string[] = [];
  let publishing = true;
  const publisher = (async () => {
    for (let i = 0; publishing && i < 3_000; i++) {
      published.push((await app.adapters.bus.publish(stream, 'photo.failed', { id: String(i), reason: 'test' })).offset);
      if (i % 5 === 0) await sleep(1);
    }
  })();

  // Reconnect five times while events keep flowing; every window joins the next with `since`.
  const received: string[] = [];
  let since: string | undefined;
  let firstHead: string | undefined;
  for (let round = 0; round < 5; round++) {
    const s = await connect(app.url, alice.cookie);
    const ack = await subscribe(s, 'user', since);
    assert.ok(ack.ok);
    if (round === 0) firstHead = ack.head;
    else assert.equal(ack.recovered, true, `round ${round} recovered`);
    received.push(...ack.missed.map((e) => e.offset));
    await sleep(40);
    received.push(...s.events.map((e) => e.offset));
    s.socket.disconnect();
    since = received.at(-1) ?? ack.head ?? since;
  }
  publishing = false;
  await publisher;

  assert.ok(received.length > 50, `received ${received.length}`);
  assert.equal(new Set(received).size, received.length, 'no offset twice');
  const start = firstHead ? published.indexOf(firstHead) + 1 : 0;
  assert.deepEqual(received, published.slice(start, start + received.length), 'no gap, in order');
});

test('outside the history the client is told `recovered: false`, and HTTP has everything', async (t) => {
  const app = await buildTestApp(t, { REPLAY_MAX_EVENTS: '10' });
  await app.listen();
  const alice = await register(app, 'alice');
  const bob = await register(app, 'bob');
  const a1 = await connect(app.url, alice.cookie);
  await subscribe(a1, 'chat:lobby');
  await say(app, bob.cookie, ['first']);
  await a1.waitFor((ev) => texts(ev).length === 1);
  const since = a1.events.at(-1)!.offset;
  a1.socket.disconnect();

  const many = Array.from({ length: 15 }, (_, i) => `m${i}`);
  await say(app, bob.cookie, many);
  const a2 = await connect(app.url, alice.cookie);
  t.after(() => a2.close());
  const ack = await subscribe(a2, 'chat:lobby', since);
  assert.ok(ack.ok);
  assert.deepEqual([ack.recovered, ack.missed.length], [false, 0], 'never a partial replay');

  const res = await app.app.inject({ url: '/api/chat/rooms/lobby/messages?limit=100', headers: { cookie: alice.cookie } });
  assert.deepEqual(res.json().items.map((m: { text: string }) => m.text).reverse(), ['first', ...many]);
});

test('an event the replay already held is not sent again when the live feed delivers it late (as a Redis subscriber connection can)', async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  // The live feed lags behind the history, as when the replay is read on another connection.
  const bus = app.adapters.bus as unknown as { handler: (env: Envelope) => void };
  const deliver = bus.handler;
  bus.handler = (env) => void setTimeout(() => deliver(env), 150);

  const watcher = await connect(app.url);
  t.after(() => watcher.close());
  await subscribe(watcher, 'latest'); // keeps the stream listened to
  const first = await app.adapters.bus.publish('latest', 'photo.deleted', { id: '1' });
  await watcher.waitFor((ev) => ev.length === 1);
  const late = await app.adapters.bus.publish('latest', 'photo.deleted', { id: '2' }); // in the history now, live in 150 ms

  const resumed = await connect(app.url);
  t.after(() => resumed.close());
  const ack = await subscribe(resumed, 'latest', first.offset);
  assert.deepEqual(
    ack.ok && ack.missed.map((e) => e.offset),
    [late.offset],
  );
  const next = await app.adapters.bus.publish('latest', 'photo.deleted', { id: '3' });
  await resumed.waitFor((ev) => ev.some((e) => e.offset === next.offset));
  await sleep(200);
  assert.deepEqual(
    resumed.events.map((e) => e.offset),
    [next.offset],
    'the late live copy of the replayed event is dropped; what follows arrives',
  );
  assert.deepEqual(
    watcher.events.map((e) => e.offset),
    [first.offset, late.offset, next.offset],
  );
});
