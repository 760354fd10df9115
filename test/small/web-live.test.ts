// The browser's realtime client against a fake socket: resume, reset and no duplicates.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';

// live.ts listens to window online/offline and reads navigator.onLine; Node 20 has neither.
Object.assign(globalThis, { window: new EventTarget() });
Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
const { LiveClient } = await import('../../web/src/lib/live.js');
type LiveSocket = ConstructorParameters<typeof LiveClient>[0] extends (() => infer S) | undefined ? S : never;

interface Sent {
  event: string;
  req: { stream: string; since?: string };
  answer(ack: unknown): void;
  timeOut(): void;
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
  disconnect(): this {
    this.active = false;
    this.connected = false;
    this.fire('disconnect', 'io client disconnect');
    return this;
  }
  emit(event: string, req: Sent['req'], cb?: (ack: unknown) => void): this {
    this.sent.push({ event, req, answer: (ack) => cb?.(ack), timeOut: () => {} });
    return this;
  }
  timeout(_ms: number) {
    return {
      emit: (event: string, req: Sent['req'], cb: (err: Error | null, ack?: unknown) => void) => {
        this.sent.push({ event, req, answer: (ack) => cb(null, ack), timeOut: () => cb(new Error('timeout')) });
      },
    };
  }
  // Test controls.
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

const env = (offset: string, text = offset): Envelope =>
  ({ stream: 'chat:lobby', offset, type: 'chat.message', data: { id: text }, ts: 0 }) as unknown as Envelope;

let socket: FakeSocket;
let client: InstanceType<typeof LiveClient>;
let got: string[];
let resets: number;

function listen(stream = 'chat:lobby') {
  return client.subscribe(stream, {
    onEvent: (e) => got.push(e.offset),
    onReset: () => resets++,
  });
}

beforeEach(() => {
  socket = new FakeSocket();
  client = new LiveClient(() => socket as unknown as LiveSocket);
  got = [];
  resets = 0;
  client.start();
});

test('the first subscribe has no since, resets the page, and drops what the head covers', () => {
  listen();
  assert.equal(socket.sent.length, 0, 'nothing is sent before the connection is up');
  socket.open();
  assert.deepEqual(socket.lastSubscribe().req, { stream: 'chat:lobby' });
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '5-0' } satisfies SubscribeAck);
  assert.equal(resets, 1);
  socket.fire('event', env('5-0'));
  socket.fire('event', env('6-0'));
  socket.fire('event', env('6-0'));
  socket.fire('event', env('5-9'));
  assert.deepEqual(got, ['6-0']);
});

test('a reconnect resumes from the last offset and replays in order, once', () => {
  listen();
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [] });
  socket.fire('event', env('6-0'));
  socket.drop();
  assert.equal(client.connection.get().state, 'reconnecting');
  socket.open();
  assert.deepEqual(socket.lastSubscribe().req, { stream: 'chat:lobby', since: '6-0' });
  socket.lastSubscribe().answer({ ok: true, recovered: true, missed: [env('7-0'), env('8-0')], head: '8-0' });
  socket.fire('event', env('8-0'));
  socket.fire('event', env('9-0'));
  assert.deepEqual(got, ['6-0', '7-0', '8-0', '9-0']);
  assert.equal(resets, 1, 'a recovered resume needs no refetch');
});

test('a quiet stream resumes from the head it was given', () => {
  listen();
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '3-1' });
  socket.drop();
  socket.open();
  assert.equal(socket.lastSubscribe().req.since, '3-1');
});

test('a resume the server cannot replay resets the page', () => {
  listen();
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '1-0' });
  socket.drop();
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [], head: '40-0' });
  assert.equal(resets, 2);
  socket.fire('event', env('39-0'));
  socket.fire('event', env('41-0'));
  assert.deepEqual(got, ['41-0']);
});

test('an ack from an older attempt is ignored', () => {
  listen();
  socket.open();
  const stale = socket.lastSubscribe();
  socket.drop();
  socket.open();
  stale.answer({ ok: true, recovered: true, missed: [env('2-0')], head: '2-0' });
  assert.deepEqual(got, []);
  assert.equal(resets, 0);
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [] });
  assert.equal(resets, 1);
});

test('a second listener on a live stream gets its own reset; the last one to leave unsubscribes', async () => {
  const stopFirst = listen();
  socket.open();
  socket.lastSubscribe().answer({ ok: true, recovered: false, missed: [] });
  const stopSecond = listen();
  await Promise.resolve();
  assert.equal(resets, 2);
  assert.equal(socket.sent.filter((s) => s.event === 'subscribe').length, 1);
  stopFirst();
  assert.equal(socket.sent.filter((s) => s.event === 'unsubscribe').length, 0);
  stopSecond();
  assert.deepEqual(socket.sent.at(-1)?.req, { stream: 'chat:lobby' });
  assert.equal(socket.sent.at(-1)?.event, 'unsubscribe');
  socket.fire('event', env('9-0'));
  assert.deepEqual(got, []);
});

test('a refused connection shows offline; a subscribe error reaches the page', () => {
  const errors: string[] = [];
  client.subscribe('chat:secret', { onEvent: () => {}, onReset: () => {}, onError: (e) => errors.push(e.code) });
  assert.deepEqual(client.connection.get(), { state: 'reconnecting', everConnected: false });
  socket.open();
  assert.deepEqual(client.connection.get(), { state: 'connected', everConnected: true });
  socket.lastSubscribe().answer({ ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
  assert.deepEqual(errors, ['FORBIDDEN']);
  socket.active = false; // what socket.io does when the server disconnects on purpose
  socket.drop();
  assert.equal(client.connection.get().state, 'disconnected');
});
