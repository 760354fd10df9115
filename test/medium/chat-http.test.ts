// Chat over HTTP (in-process, app.inject): rooms, message history with cursor pagination, presence.
// Messages are posted the real way, over sockets with `chat:send`; presence comes from real
// subscriptions to `chat:<room>`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import type { ChatMessage } from '../../src/shared/api.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { connect, type TestSocket } from '../helpers/sockets.js';
import { userRef } from '../helpers/users.js';

let app: TestApp;
const sockets: TestSocket[] = [];

before(async () => {
  app = await buildTestApp(null);
  await app.listen();
});

after(async () => {
  for (const s of sockets) s.close();
  await app?.close();
});

interface User {
  username: string;
  cookie: string;
  id: string;
}

async function newUser(username: string): Promise<User> {
  return { username, ...(await register(app, username)) };
}

async function openSocket(user: User): Promise<TestSocket> {
  const s = await connect(app.url, user.cookie);
  sockets.push(s);
  return s;
}

function get(url: string, user?: User) {
  return app.app.inject({ method: 'GET', url, headers: user ? { cookie: user.cookie } : {} });
}

function createRoom(name: unknown, user?: User) {
  return app.app.inject({
    method: 'POST',
    url: '/api/chat/rooms',
    headers: user ? { cookie: user.cookie } : {},
    payload: { name } as Record<string, unknown>,
  });
}

function assertError(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal((res.json() as { error?: { code?: string } }).error?.code, code, res.body);
}

async function send(s: TestSocket, room: string, text: string, clientId: string): Promise<ChatMessage> {
  const ack = await s.socket.timeout(5_000).emitWithAck('chat:send', { room, text, clientId });
  assert.ok(ack.ok, `chat:send ${clientId}: ${JSON.stringify(ack)}`);
  return ack.message;
}

async function subscribe(s: TestSocket, stream: string): Promise<void> {
  const ack = await s.socket.timeout(5_000).emitWithAck('subscribe', { stream });
  assert.ok(ack.ok, `subscribe ${stream}: ${JSON.stringify(ack)}`);
}

/** Retries `check` until it stops throwing. */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Closes a client socket and waits until the server has let go of it. */
async function closeSocket(s: TestSocket): Promise<void> {
  const id = s.socket.id;
  s.close();
  await eventually(async () => assert.ok(id === undefined || !app.realtime.io.sockets.sockets.has(id)));
}

describe('rooms', () => {
  let owner: User;

  before(async () => {
    owner = await newUser('room_owner');
  });

  test('GET /api/chat/rooms lists the lobby as a page {items, next}', async () => {
    for (const viewer of [undefined, owner]) {
      const res = await get('/api/chat/rooms', viewer);
      assert.equal(res.statusCode, 200);
      const page = res.json() as { items: { name: string; createdAt: string }[]; next: string | null };
      assert.deepEqual(Object.keys(page).sort(), ['items', 'next']);
      const lobby = page.items.find((r) => r.name === 'lobby');
      assert.ok(lobby, JSON.stringify(page));
      assert.ok(!Number.isNaN(Date.parse(lobby.createdAt)));
    }
  });

  test('POST /api/chat/rooms: 201 signed in, 401 signed out, 409 when it exists', async () => {
    const res = await createRoom('photo-walks', owner);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().name, 'photo-walks');
    assert.ok(!Number.isNaN(Date.parse(res.json().createdAt)));

    const names = ((await get('/api/chat/rooms')).json().items as { name: string }[]).map((r) => r.name);
    assert.ok(names.includes('photo-walks'), names.join());

    assertError(await createRoom('signed-out-room'), 401, 'UNAUTHENTICATED');
    assert.equal((await get('/api/chat/rooms/signed-out-room/messages', owner)).statusCode, 404);

    assertError(await createRoom('photo-walks', owner), 409, 'CONFLICT');
    assertError(await createRoom('lobby', owner), 409, 'CONFLICT');
  });

  test('room names must match ^[a-z0-9-]{1,40}$', async () => {
    const before = (await get('/api/chat/rooms')).json().items.length as number;
    for (const name of ['Bad', 'a b', 'x'.repeat(41), '', '<script>', 'a_b', 'caf\u00e9', 'room\n', 12, null]) {
      assertError(await createRoom(name, owner), 400, 'VALIDATION');
    }
    assertError(
      await app.app.inject({ method: 'POST', url: '/api/chat/rooms', headers: { cookie: owner.cookie }, payload: {} }),
      400,
      'VALIDATION',
    );
    assert.equal((await get('/api/chat/rooms')).json().items.length, before, 'a refused room was created');
    assert.equal((await createRoom('x'.repeat(40), owner)).statusCode, 201);
    assert.equal((await createRoom('9-lives', owner)).statusCode, 201);
  });

  test('the room list pages with ?limit and ?before, in name order', async () => {
    const all = ((await get('/api/chat/rooms?limit=100')).json().items as { name: string }[]).map((r) => r.name);
    assert.ok(all.length >= 4);
    assert.deepEqual(all, [...all].sort());
    const seen: string[] = [];
    let url = '/api/chat/rooms?limit=1';
    for (let pages = 0; pages < 20; pages++) {
      const page = (await get(url)).json() as { items: { name: string }[]; next: string | null };
      assert.ok(page.items.length <= 1);
      seen.push(...page.items.map((r) => r.name));
      if (page.next === null) break;
      url = `/api/chat/rooms?limit=1&before=${encodeURIComponent(page.next)}`;
    }
    assert.deepEqual(seen, all);
  });
});

describe('message history', () => {
  const TOTAL = 120;
  let reader: User;
  /** Ids of the lobby messages, in the order they were sent. */
  const sent: ChatMessage[] = [];

  before(async () => {
    // The chat limit is 20 messages per 10 s per user: six users send twenty each.
    const writers: TestSocket[] = [];
    for (let i = 0; i < 6; i++) writers.push(await openSocket(await newUser(`writer_${i}`)));
    reader = await newUser('history_reader');
    for (let i = 0; i < TOTAL; i++) {
      sent.push(await send(writers[i % writers.length]!, 'lobby', `message ${i}`, `history-${i}`));
    }
    const other = await newUser('elsewhere');
    assert.equal((await createRoom('elsewhere', other)).statusCode, 201);
    await send(await openSocket(other), 'elsewhere', 'not in the lobby', 'elsewhere-1');
  });

  type MessagePage = { items: ChatMessage[]; next: string | null };
  const history = async (query: string, room = 'lobby'): Promise<MessagePage> => {
    const res = await get(`/api/chat/rooms/${room}/messages${query}`, reader);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as MessagePage;
  };

  test('401 signed out, 404 for a room that does not exist', async () => {
    assertError(await get('/api/chat/rooms/lobby/messages'), 401, 'UNAUTHENTICATED');
    assertError(await get('/api/chat/rooms/no-such-room/messages', reader), 404, 'NOT_FOUND');
    assertError(await get('/api/chat/rooms/Lobby/messages', reader), 404, 'NOT_FOUND');
    assertError(await get('/api/chat/rooms/%3Cscript%3E/messages', reader), 404, 'NOT_FOUND');
  });

  test('pages of 50 walk every message once, newest first, until next is null', async () => {
    const seen: ChatMessage[] = [];
    const sizes: number[] = [];
    let query = '?limit=50';
    for (let pages = 0; pages < 10; pages++) {
      const page = await history(query);
      sizes.push(page.items.length);
      seen.push(...page.items);
      if (page.next === null) break;
      assert.equal(typeof page.next, 'string');
      query = `?limit=50&before=${encodeURIComponent(page.next)}`;
    }
    assert.deepEqual(sizes, [50, 50, 20]);
    const ids = seen.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, 'a message came twice');
    assert.deepEqual(ids, sent.map((m) => m.id).reverse(), 'not every message, newest first');
    assert.deepEqual(seen, [...sent].reverse(), 'history differs from what the sends answered');
    assert.ok(!seen.some((m) => m.room !== 'lobby'));
  });

  test('messages in history have the contract shape', async () => {
    const [newest] = (await history('?limit=1')).items;
    assert.ok(newest);
    assert.deepEqual(Object.keys(newest).sort(), ['createdAt', 'id', 'kind', 'room', 'text', 'user']);
    assert.deepEqual(Object.keys(newest.user).sort(), ['avatar', 'bio', 'displayName', 'id', 'username']);
    assert.equal(newest.text, `message ${TOTAL - 1}`);
    assert.equal(newest.kind, 'text');
    assert.equal(newest.room, 'lobby');
    assert.ok(!Number.isNaN(Date.parse(newest.createdAt)));
  });

  test('other page sizes cover the same messages; rooms do not mix', async () => {
    const page = await history('?limit=100');
    assert.equal(page.items.length, 100);
    assert.ok(page.next);
    const rest = await history(`?limit=100&before=${encodeURIComponent(page.next)}`);
    assert.equal(rest.items.length, 20);
    assert.equal(rest.next, null);

    const elsewhere = await history('', 'elsewhere');
    assert.deepEqual(
      elsewhere.items.map((m) => m.text),
      ['not in the lobby'],
    );
    assert.equal(elsewhere.next, null);
  });

  test('bad ?limit and ?before: 400 VALIDATION', async () => {
    const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?limit=-1',
      '?limit=1.5',
      '?limit=',
      '?before=garbage',
      '?before=%00%01',
      `?before=${cursor({ id: 'abc' })}`,
      `?before=${cursor({ id: 5 })}`,
      `?before=${cursor('5')}`,
      `?before=${'a'.repeat(600)}`,
    ]) {
      const res = await get(`/api/chat/rooms/lobby/messages${query}`, reader);
      assertError(res, 400, 'VALIDATION');
    }
  });
});

describe('presence', () => {
  let ann: User;
  let ben: User;
  let viewer: User;

  before(async () => {
    ann = await newUser('ann');
    ben = await newUser('ben');
    viewer = await newUser('presence_viewer');
    assert.equal((await createRoom('hangout', viewer)).statusCode, 201);
  });

  const present = async (room = 'hangout'): Promise<{ id: string; username: string }[]> => {
    const res = await get(`/api/chat/rooms/${room}/presence`, viewer);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { items: { id: string; username: string }[] };
    assert.deepEqual(Object.keys(body), ['items']);
    return body.items;
  };
  const names = async (room?: string) => (await present(room)).map((u) => u.username).sort();

  test('401 signed out, 404 for a room that does not exist', async () => {
    assertError(await get('/api/chat/rooms/hangout/presence'), 401, 'UNAUTHENTICATED');
    assertError(await get('/api/chat/rooms/no-such-room/presence', viewer), 404, 'NOT_FOUND');
  });

  test('lists each user subscribed to chat:<room> once, however many sockets they have, until the last one goes', async () => {
    assert.deepEqual(await present(), []);

    const annTab1 = await openSocket(ann);
    const annTab2 = await openSocket(ann);
    const benTab = await openSocket(ben);
    const idle = await openSocket(viewer); // connected, but not in the room
    await subscribe(idle, 'chat:lobby');

    await subscribe(annTab1, 'chat:hangout');
    await subscribe(annTab2, 'chat:hangout');
    await subscribe(benTab, 'chat:hangout');

    const items = await present();
    assert.deepEqual(items.map((u) => u.username).sort(), ['ann', 'ben']);
    const annItem = items.find((u) => u.username === 'ann');
    assert.deepEqual(annItem, userRef(ann.id, 'ann'));
    assert.ok(!(await names('lobby')).includes('ann'), 'presence leaked into another room');

    // One of Ann's two tabs closes: she is still there.
    await closeSocket(annTab1);
    assert.deepEqual(await names(), ['ann', 'ben']);

    // The last one closes: she is gone.
    await closeSocket(annTab2);
    await eventually(async () => assert.deepEqual(await names(), ['ben']));

    // Unsubscribing counts as leaving too.
    const ack = await benTab.socket.timeout(5_000).emitWithAck('unsubscribe', { stream: 'chat:hangout' });
    assert.deepEqual(ack, { ok: true });
    await eventually(async () => assert.deepEqual(await names(), []));

    await closeSocket(benTab);
    await closeSocket(idle);
    assert.deepEqual(await names('lobby'), []);
  });
});

describe('a send whose publish failed', () => {
  test('is stored, and the retry with the same clientId puts it on the wire once; later retries publish nothing', async () => {
    const talker = await newUser('failover_talker');
    const listener = await newUser('failover_listener');
    assert.equal((await createRoom('failover', talker)).statusCode, 201);
    const watching = await openSocket(listener);
    const heard = () => watching.events.filter((e) => e.type === 'chat.message').map((e) => (e.data as ChatMessage).id);
    await subscribe(watching, 'chat:failover');
    const sending = await openSocket(talker);

    // The next chat.message publish fails, as one does while Redis fails over.
    const bus = app.adapters.bus;
    const publish = bus.publish.bind(bus);
    let failed = false;
    bus.publish = async (stream, type, data, opts) => {
      if (type === 'chat.message' && !failed) {
        failed = true;
        throw new Error('publish failed (test)');
      }
      return publish(stream, type, data, opts);
    };
    try {
      const ack = await sending.socket.timeout(5_000).emitWithAck('chat:send', { room: 'failover', text: 'through a failover', clientId: 'failover-1' });
      assert.equal(ack.ok, false, 'the sender hears the send failed, so it retries');
      const history = (await get('/api/chat/rooms/failover/messages', listener)).json() as { items: ChatMessage[] };
      assert.deepEqual(history.items.map((m) => m.text), ['through a failover'], 'the message is stored');
      await delay(100);
      assert.deepEqual(heard(), [], 'nothing went out live');

      const message = await send(sending, 'failover', 'through a failover', 'failover-1');
      await eventually(async () => assert.deepEqual(heard(), [message.id]));
      await send(sending, 'failover', 'through a failover', 'failover-1');
      await delay(200);
      assert.deepEqual(heard(), [message.id], 'a later retry publishes nothing');
    } finally {
      bus.publish = publish;
    }
  });
});
