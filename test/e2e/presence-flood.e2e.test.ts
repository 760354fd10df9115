// A socket flapping in and out of a chat room must neither flood the other members with presence
// notices nor push the room's messages out of the replay history.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { ANNOUNCE_INTERVAL_MS } from '../../src/ports/presence.js';
import type { ChatMessage, PublicUser } from '../../src/shared/api.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

type Ack = { ok: boolean };

async function subscribe(s: TestSocket, stream: string, since?: string): Promise<Extract<SubscribeAck, { ok: true }>> {
  const ack = await s.socket.timeout(5_000).emitWithAck('subscribe', since === undefined ? { stream } : { stream, since });
  assert.ok(ack.ok, `subscribe ${stream}: ${JSON.stringify(ack)}`);
  return ack;
}

function request(s: TestSocket, event: 'subscribe' | 'unsubscribe'): Promise<Ack> {
  return s.socket.timeout(5_000).emitWithAck(event as 'subscribe', { stream: 'chat:lobby' }) as Promise<Ack>;
}

const about = (user: { id: string }) => (e: Envelope) =>
  (e.type === 'presence.joined' || e.type === 'presence.left') && (e.data as { user: PublicUser }).user.id === user.id;

async function presentNames(app: TestApp, cookie: string): Promise<string[]> {
  const res = await app.app.inject({ url: '/api/chat/rooms/lobby/presence', headers: { cookie } });
  return (res.json() as { items: PublicUser[] }).items.map((u) => u.username);
}

test('flapping in and out of a room 100 times: a handful of notices, the last state right, no message pushed out of history', async (t) => {
  // A history of 20 events: 20 messages fill it, so one stored presence notice would evict one.
  const app = await buildTestApp(t, { REPLAY_MAX_EVENTS: '20' });
  await app.listen();
  const watcherUser = await register(app, 'watcher');
  const flapperUser = await register(app, 'flapper');
  const senders = [await register(app, 'sender_a'), await register(app, 'sender_b')]; // 20 messages per 10 s each

  const watcher = await connect(app.url, watcherUser.cookie);
  t.after(() => watcher.close());
  await subscribe(watcher, 'chat:lobby');
  // The watcher's own arrival is the offset it would resume from.
  const [own] = await watcher.waitFor((evs) => evs.some(about(watcherUser)));
  const since = own!.offset;

  const sent: ChatMessage[] = [];
  for (const [i, sender] of senders.entries()) {
    const s = await connect(app.url, sender.cookie);
    for (let k = 0; k < 10; k++) {
      const ack = await s.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: `before ${i}.${k}`, clientId: randomUUID() });
      assert.ok(ack.ok, JSON.stringify(ack));
      sent.push(ack.message);
    }
    s.close();
  }
  await watcher.waitFor((evs) => evs.filter((e) => e.type === 'chat.message').length === sent.length);

  const started = Date.now();
  const flapper = await connect(app.url, flapperUser.cookie);
  t.after(() => flapper.close());
  let flaps = 0;
  for (let i = 0; i < 100; i++) {
    const [inOk, outOk] = [(await request(flapper, 'subscribe')).ok, (await request(flapper, 'unsubscribe')).ok];
    if (inOk && outOk) flaps++;
  }
  // The subscribe budget stops a single socket early; five more flap at once, each within its own.
  const tabs = await Promise.all(Array.from({ length: 5 }, () => connect(app.url, flapperUser.cookie)));
  t.after(() => tabs.forEach((tab) => tab.close()));
  await Promise.all(
    tabs.map(async (tab) => {
      for (let i = 0; i < 20; i++) {
        const [inOk, outOk] = [(await request(tab, 'subscribe')).ok, (await request(tab, 'unsubscribe')).ok];
        if (inOk && outOk) flaps++;
      }
    }),
  );
  t.diagnostic(`${flaps} flaps in ${Date.now() - started} ms`);
  assert.ok(flaps >= 100, `only ${flaps} flaps`);
  /** One notice per interval at most, plus the first and the last state. */
  const allowed = () => Math.ceil((Date.now() - started) / ANNOUNCE_INTERVAL_MS) + 2;

  // It stays: once the interval is over, the room knows.
  await sleep(1_000); // the budget refills
  await subscribe(flapper, 'chat:lobby');
  await sleep(ANNOUNCE_INTERVAL_MS + 500);
  let notices = watcher.events.filter(about(flapperUser));
  assert.ok(notices.length <= allowed(), `${notices.length} notices: ${notices.map((e) => e.type).join(', ')}`);
  assert.equal(notices.at(-1)?.type, 'presence.joined');
  assert.ok((await presentNames(app, watcherUser.cookie)).includes('flapper'));

  // It goes: the leave is not lost either, however soon after the last notice.
  assert.ok((await request(flapper, 'unsubscribe')).ok);
  await watcher.waitFor((evs) => evs.filter(about(flapperUser)).at(-1)?.type === 'presence.left', ANNOUNCE_INTERVAL_MS + 2_000);
  await sleep(500);
  notices = watcher.events.filter(about(flapperUser));
  t.diagnostic(`notices: ${notices.map((e) => e.type).join(', ')}`);
  assert.ok(notices.length <= allowed(), `${notices.length} notices: ${notices.map((e) => e.type).join(', ')}`);
  for (let i = 1; i < notices.length; i++) assert.notEqual(notices[i]!.type, notices[i - 1]!.type, 'a notice repeated');
  assert.ok(!(await presentNames(app, watcherUser.cookie)).includes('flapper'));

  // Every message is still replayable, from an offset that was a presence notice.
  const reader = await connect(app.url, watcherUser.cookie);
  t.after(() => reader.close());
  const ack = await subscribe(reader, 'chat:lobby', since);
  assert.equal(ack.recovered, true, 'presence notices pushed messages out of the history');
  assert.deepEqual(
    ack.missed.map((e) => (e.type === 'chat.message' ? (e.data as ChatMessage).id : e.type)),
    sent.map((m) => m.id),
  );
});
