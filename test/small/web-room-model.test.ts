// The browser's chat room model against a fake socket and a fake HTTP API: presence notices are not
// replayed by the server, so a resubscription refetches the presence list, even when it recovered
// every message.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { PublicUser } from '../../src/shared/api.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { userRef } from '../helpers/users.js';

// live.ts listens to window online/offline and reads navigator.onLine; Node 20 has neither.
Object.assign(globalThis, { window: new EventTarget() });
Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
const { live } = await import('../../web/src/lib/live.js');
const { RoomModel } = await import('../../web/src/chat/room-model.js');

interface Sent {
  event: string;
  req: { stream: string; since?: string };
  answer(ack: unknown): void;
}

class FakeSocket {
  connected = false;
  active = false;
  sent: Sent[] = [];
  private handlers = new Map<string, ((...args: unknown[]) => void)[]>();

  on(event: string, fn: (...args: unknown[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }
  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
  connect(): this {
    this.active = true;
    return this;
  }
  emit(event: string, req: Sent['req'], cb?: (ack: unknown) => void): this {
    this.sent.push({ event, req, answer: (ack) => cb?.(ack) });
    return this;
  }
  timeout(_ms: number) {
    return {
      emit: (event: string, req: Sent['req'], cb: (err: Error | null, ack?: unknown) => void) => {
        this.sent.push({ event, req, answer: (ack) => cb(null, ack) });
      },
    };
  }
  open(): void {
    this.connected = true;
    this.fire('connect');
  }
  drop(): void {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }
  lastSubscribe(): Sent {
    const s = this.sent.filter((x) => x.event === 'subscribe').at(-1);
    assert.ok(s, 'a subscribe was sent');
    return s;
  }
}

const socket = new FakeSocket();
// The app's one client, given the fake socket before it starts.
(live as unknown as { createSocket: () => FakeSocket }).createSocket = () => socket;
live.start();
socket.open();

/** The fake HTTP API: the presence list answers when the test says so. */
const http = { presence: [] as PublicUser[], presenceCalls: 0, historyCalls: 0, hold: null as Promise<void> | null };
globalThis.fetch = (async (input: string | URL | Request) => {
  const path = String(input);
  let body: unknown;
  if (path.includes('/presence')) {
    http.presenceCalls++;
    const answer = http.presence; // what the server has when the request arrives
    if (http.hold) await http.hold;
    body = { items: answer };
  } else if (path.includes('/messages')) {
    http.historyCalls++;
    body = { items: [], next: null };
  } else throw new Error(`unexpected fetch ${path}`);
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}) as typeof fetch;

const ann = userRef('1', 'ann');
const bob = userRef('2', 'bob');
const cy = userRef('3', 'cy');
const presence = (type: 'presence.joined' | 'presence.left', user: PublicUser, offset: string): Envelope =>
  ({ stream: 'chat:lobby', offset, type, data: { user }, ts: 0 }) as Envelope;

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeEach(() => {
  Object.assign(http, { presence: [], presenceCalls: 0, historyCalls: 0, hold: null });
  socket.sent = [];
});

/** A room opened on a live connection: subscribed, first fetch done, showing `users`. */
async function openRoom(users: PublicUser[]) {
  http.presence = users;
  const model = new RoomModel('lobby', 'me');
  const stop = model.start();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '5-0' } satisfies SubscribeAck);
  await settle();
  assert.deepEqual(model.store.get().presence, users);
  return { model, stop };
}

test('a resubscription that recovered every message still refetches presence, once the server answered it', async () => {
  const { model, stop } = await openRoom([ann]);
  socket.fire('event', presence('presence.joined', cy, '6-0')); // live before the drop
  assert.deepEqual(model.store.get().presence, [ann, cy]);

  socket.drop();
  // Meanwhile ann and cy left and bob came: notices the server does not replay.
  http.presence = [bob];
  socket.open();
  await settle();
  assert.equal(http.presenceCalls, 1, 'not before the subscribe is answered: a notice could fall in between');
  assert.deepEqual(socket.lastSubscribe().req, { stream: 'chat:lobby', since: '6-0' });
  socket.lastSubscribe().answer({ ok: true, recovered: true, missed: [], head: '5-0' } satisfies SubscribeAck);
  await settle();
  assert.equal(http.presenceCalls, 2);
  assert.equal(http.historyCalls, 1, 'the messages were recovered: no refetch of history');
  assert.deepEqual(model.store.get().presence, [bob], 'cy joining before the drop is not applied again');
  assert.equal(socket.sent.filter((s) => s.event === 'unsubscribe').length, 0, 'the stream stayed subscribed');
  assert.equal(socket.sent.filter((s) => s.event === 'subscribe').length, 2, 'one subscribe per connection');

  // Live notices go on as before.
  socket.fire('event', presence('presence.joined', ann, '7-0'));
  assert.deepEqual(model.store.get().presence, [ann, bob]);
  stop();
  assert.equal(socket.sent.at(-1)?.event, 'unsubscribe');
});

test('notices that arrive during the refetch are applied on top of its answer', async () => {
  const { model, stop } = await openRoom([ann]);
  socket.drop();
  http.presence = [ann, bob];
  let release!: () => void;
  http.hold = new Promise((resolve) => (release = resolve));
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: true, missed: [], head: '5-0' } satisfies SubscribeAck);
  await settle();
  socket.fire('event', presence('presence.left', bob, '8-0'));
  socket.fire('event', presence('presence.joined', cy, '9-0'));
  release();
  await settle();
  assert.deepEqual(model.store.get().presence, [ann, cy]);
  stop();
});

test('a resubscription that could not recover refetches the room once, presence included', async () => {
  const { model, stop } = await openRoom([ann]);
  socket.drop();
  http.presence = [bob];
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '50-0' } satisfies SubscribeAck);
  await settle();
  assert.deepEqual([http.historyCalls, http.presenceCalls], [2, 2]);
  assert.deepEqual(model.store.get().presence, [bob]);
  stop();
});

test('a drop before the answer waits for the next one; a closed room refetches nothing', async () => {
  const { model, stop } = await openRoom([ann]);
  socket.drop();
  socket.open();
  socket.drop(); // the answer never came
  http.presence = [bob];
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: true, missed: [], head: '5-0' } satisfies SubscribeAck);
  await settle();
  assert.equal(http.presenceCalls, 2, 'one refetch for the answered subscribe');
  assert.deepEqual(model.store.get().presence, [bob]);

  stop();
  socket.drop();
  socket.open();
  await settle();
  assert.equal(http.presenceCalls, 2);
  assert.equal(socket.sent.filter((s) => s.event === 'subscribe' && s.req.stream === 'chat:lobby').length, 3, 'the room is not subscribed again');
});
