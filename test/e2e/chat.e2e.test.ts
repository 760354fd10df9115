// Live chat end to end: the app listening on 127.0.0.1, real socket.io-client connections and raw
// WebSockets speaking (and mangling) the Engine.IO / Socket.IO protocol.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { ANNOUNCE_INTERVAL_MS } from '../../src/ports/presence.js';
import type { ChatMessage, PublicUser } from '../../src/shared/api.js';
import { compareOffsets, type Envelope, type SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import { connect, type TestSocket } from '../helpers/sockets.js';
import { userRef } from '../helpers/users.js';

let app: TestApp;
let admin: User;
const opened: TestSocket[] = [];
const raws: RawClient[] = [];

before(async () => {
  app = await buildTestApp(null);
  await app.listen();
  admin = await newUser('admin'); // the first account is the admin
});

after(async () => {
  for (const s of opened) s.close();
  for (const r of raws) r.ws.terminate();
  await app?.close();
});

// ---------------------------------------------------------------------------------------------
// Local helpers

interface User {
  username: string;
  cookie: string;
  id: string;
}

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

async function newUser(username: string): Promise<User> {
  return { username, ...(await register(app, username)) };
}

async function openSocket(user?: User): Promise<TestSocket> {
  const s = await connect(app.url, user?.cookie);
  opened.push(s);
  return s;
}

/** The socket without the typed event map, to send what a typed client cannot. */
function untyped(s: TestSocket): Socket {
  return s.socket as unknown as Socket;
}

function request(s: TestSocket, event: string, ...args: unknown[]): Promise<Ack> {
  return untyped(s).timeout(5_000).emitWithAck(event, ...args) as Promise<Ack>;
}

function errorCode(ack: Ack): string {
  assert.equal(ack.ok, false, `expected a failure, got ${JSON.stringify(ack)}`);
  return (ack as Extract<Ack, { ok: false }>).error.code;
}

async function subscribe(s: TestSocket, stream: string, since?: string): Promise<Extract<SubscribeAck, { ok: true }>> {
  const ack: SubscribeAck = await s.socket.timeout(5_000).emitWithAck('subscribe', since === undefined ? { stream } : { stream, since });
  assert.ok(ack.ok, `subscribe ${stream}: ${JSON.stringify(ack)}`);
  return ack;
}

async function send(s: TestSocket, text: string, room = 'lobby', clientId: string = randomUUID()): Promise<ChatMessage> {
  const ack = await s.socket.timeout(5_000).emitWithAck('chat:send', { room, text, clientId });
  assert.ok(ack.ok, `chat:send ${JSON.stringify(text)}: ${JSON.stringify(ack)}`);
  return ack.message;
}

async function createRoom(owner: User, name: string): Promise<void> {
  const res = await app.app.inject({ method: 'POST', url: '/api/chat/rooms', headers: { cookie: owner.cookie }, payload: { name } });
  assert.equal(res.statusCode, 201, res.body);
}

function chatEvents(s: TestSocket, stream: string): Envelope<'chat.message'>[] {
  return s.events.filter((e): e is Envelope<'chat.message'> => e.type === 'chat.message' && e.stream === stream);
}

function presenceEvents(s: TestSocket, type: 'presence.joined' | 'presence.left', userId: string): Envelope[] {
  return s.events.filter((e) => e.type === type && (e.data as { user: PublicUser }).user.id === userId);
}

/** A socket of a new user: the chat limit is 20 messages per 10 s per user, so busy tests bring their own. */
async function freshSender(username: string): Promise<TestSocket> {
  return openSocket(await newUser(username));
}

/** Waits until `s` has received the message with this id, and returns its envelope. */
async function received(s: TestSocket, id: string): Promise<Envelope<'chat.message'>> {
  const events = await s.waitFor((evs) => evs.some((e) => e.type === 'chat.message' && (e.data as ChatMessage).id === id));
  return events.find((e) => e.type === 'chat.message' && (e.data as ChatMessage).id === id) as Envelope<'chat.message'>;
}

/**
 * Sends a marker message and waits for `watcher` to receive it: everything published on the stream
 * before the marker has been delivered by then.
 */
async function barrier(sender: TestSocket, watcher: TestSocket, room: string): Promise<void> {
  const marker = await send(sender, `marker ${randomUUID()}`, room);
  await received(watcher, marker.id);
}

async function history(user: User, room = 'lobby'): Promise<ChatMessage[]> {
  const res = await app.app.inject({ method: 'GET', url: `/api/chat/rooms/${room}/messages?limit=100`, headers: { cookie: user.cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { items: ChatMessage[] }).items;
}

/** Closes a client socket and waits until the server has let go of it. */
async function closeAndForget(s: TestSocket): Promise<void> {
  const id = s.socket.id;
  s.close();
  const deadline = Date.now() + 5_000;
  while (id !== undefined && app.realtime.io.sockets.sockets.has(id)) {
    if (Date.now() > deadline) throw new Error(`the server still holds socket ${id}`);
    await delay(10);
  }
}

function disconnected(s: TestSocket): Promise<string> {
  return new Promise((resolve) => s.socket.once('disconnect', (reason) => resolve(reason)));
}

/** A chat between two fresh users in the lobby: the proof that the server still works. */
async function assertChatWorks(): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  const a = await openSocket(await newUser(`ok_a_${tag}`));
  const b = await openSocket(await newUser(`ok_b_${tag}`));
  await subscribe(b, 'chat:lobby');
  const message = await send(a, `still alive ${tag}`);
  assert.deepEqual((await received(b, message.id)).data, message);
}

// Raw WebSocket clients: Engine.IO v4 framing by hand ("0" open, "2"/"3" ping/pong, "4" message;
// Socket.IO packets inside: "0" connect, "2" event, "3" ack).

interface RawClient {
  ws: WebSocket;
  frames: string[];
  closed: Promise<number>;
  /** Resolves with the first frame (received so far or later) that satisfies `pred`. */
  next(pred: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
}

async function rawConnect(cookie?: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
  });
  const frames: string[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    const frame = isBinary ? '<binary>' : data.toString();
    if (frame === '2') ws.send('3'); // answer the server's pings like a real client
    frames.push(frame);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  const raw: RawClient = {
    ws,
    frames,
    closed,
    next(pred, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(pred);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame; got ${JSON.stringify(frames.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  raws.push(raw);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  await raw.next((f) => f.startsWith('0{'));
  return raw;
}

/** Joins the main namespace, as socket.io-client does right after the Engine.IO handshake. */
async function rawJoin(raw: RawClient): Promise<void> {
  raw.ws.send('40');
  await raw.next((f) => f.startsWith('40{'));
}

/** Sends an event with an ack id and returns the decoded ack. */
async function rawRequest(raw: RawClient, ackId: number, event: string, payload: unknown): Promise<Ack> {
  raw.ws.send(`42${ackId}${JSON.stringify([event, payload])}`);
  const frame = await raw.next((f) => f.startsWith(`43${ackId}[`));
  return (JSON.parse(frame.slice(`43${ackId}`.length)) as Ack[])[0]!;
}

// ---------------------------------------------------------------------------------------------

describe('chatting', () => {
  let alice: User;
  let bob: User;
  let a: TestSocket;
  let b: TestSocket;

  before(async () => {
    alice = await newUser('alice');
    bob = await newUser('bob');
    a = await openSocket(alice);
    b = await openSocket(bob);
    await subscribe(a, 'chat:lobby');
    const ack = await subscribe(b, 'chat:lobby');
    assert.equal(ack.recovered, false);
    assert.deepEqual(ack.missed, []);
  });

  test('a message from A reaches B live, in the contract shape', async () => {
    const message = await send(a, 'hello, bob');
    assert.deepEqual(Object.keys(message).sort(), ['createdAt', 'id', 'kind', 'room', 'text', 'user']);
    assert.equal(typeof message.id, 'string');
    assert.equal(message.room, 'lobby');
    assert.deepEqual(message.user, userRef(alice.id, 'alice'));
    assert.equal(message.text, 'hello, bob');
    assert.equal(message.kind, 'text');
    assert.ok(Math.abs(Date.parse(message.createdAt) - Date.now()) < 60_000, message.createdAt);

    const env = await received(b, message.id);
    assert.deepEqual(Object.keys(env).sort(), ['data', 'offset', 'stream', 'ts', 'type']);
    assert.equal(env.stream, 'chat:lobby');
    assert.equal(env.type, 'chat.message');
    assert.match(env.offset, /^\d+-\d+$/);
    assert.equal(typeof env.ts, 'number');
    assert.ok(Math.abs(env.ts - Date.now()) < 60_000);
    assert.deepEqual(env.data, message);

    // The sender's own subscription gets it too.
    assert.deepEqual((await received(a, message.id)).data, message);
  });

  test('offsets strictly increase within a stream, and messages arrive in send order', async () => {
    const sentIds: string[] = [];
    for (let i = 0; i < 8; i++) sentIds.push((await send(i % 2 ? a : b, `ordered ${i}`)).id);
    await received(b, sentIds.at(-1)!);
    const lobby = b.events.filter((e) => e.stream === 'chat:lobby');
    for (let i = 1; i < lobby.length; i++) {
      assert.ok(compareOffsets(lobby[i - 1]!.offset, lobby[i]!.offset) < 0, `${lobby[i - 1]!.offset} then ${lobby[i]!.offset}`);
    }
    const order = chatEvents(b, 'chat:lobby').map((e) => e.data.id).filter((id) => sentIds.includes(id));
    assert.deepEqual(order, sentIds);
  });

  test('"/me waves" is an action with the text "waves"', async () => {
    const message = await send(a, '/me waves');
    assert.equal(message.kind, 'action');
    assert.equal(message.text, 'waves');
    const env = await received(b, message.id);
    assert.equal(env.data.kind, 'action');
    assert.equal(env.data.text, 'waves');

    const notAction = await send(a, '/meow');
    assert.equal(notAction.kind, 'text');
    assert.equal(notAction.text, '/meow');
    assert.equal(errorCode(await request(a, 'chat:send', { room: 'lobby', text: '/me   ', clientId: randomUUID() })), 'BAD_REQUEST');
  });

  test('a send retried with the same clientId returns the same message and posts it once', async () => {
    const clientId = randomUUID();
    const first = await send(a, 'only once', 'lobby', clientId);
    const retry = await send(a, 'only once', 'lobby', clientId);
    assert.deepEqual(retry, first);

    // Retries racing each other.
    const racing = randomUUID();
    const acks = await Promise.all([1, 2, 3].map(() => request(a, 'chat:send', { room: 'lobby', text: 'racing', clientId: racing })));
    const ids = acks.map((ack) => {
      assert.ok(ack.ok, JSON.stringify(ack));
      return (ack.message as ChatMessage).id;
    });
    assert.equal(new Set(ids).size, 1, `racing retries made ${new Set(ids).size} messages`);

    await barrier(a, b, 'lobby');
    assert.equal(chatEvents(b, 'chat:lobby').filter((e) => e.data.id === first.id).length, 1);
    assert.equal(chatEvents(b, 'chat:lobby').filter((e) => e.data.id === ids[0]).length, 1);
    const stored = (await history(bob)).filter((m) => m.id === first.id || m.id === ids[0]);
    assert.equal(stored.length, 2);
  });

  test('markup comes back byte for byte: in the ack, live and in history', async () => {
    const a = await freshSender('markup_sender');
    for (const text of ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "'; DROP TABLE chat_messages; --", '&lt;b&gt; &amp; \u{1F600}']) {
      const message = await send(a, text);
      assert.equal(message.text, text);
      assert.equal((await received(b, message.id)).data.text, text);
      const stored = (await history(bob)).find((m) => m.id === message.id);
      assert.equal(stored?.text, text);
    }
  });

  test('control characters are stripped, newlines and tabs kept', async () => {
    const a = await freshSender('control_sender');
    const cases: [string, string][] = [
      ['a\u0000b\u0007c', 'abc'],
      ['line one\nline two', 'line one\nline two'],
      ['windows\r\nline', 'windows\nline'],
      ['tab\there', 'tab\there'],
      ['\u202Eevil\u202C text', 'evil text'],
      ['esc\u001B[31mred', 'esc[31mred'],
      ['del\u007F\u0085ete', 'delete'],
    ];
    for (const [input, expected] of cases) {
      const message = await send(a, input);
      assert.equal(message.text, expected, JSON.stringify(input));
      assert.equal((await received(b, message.id)).data.text, expected);
    }
    // Nothing left once the controls are gone: refused like an empty message.
    assert.equal(errorCode(await request(a, 'chat:send', { room: 'lobby', text: '\u0000\u0001\u0002', clientId: randomUUID() })), 'BAD_REQUEST');
  });

  test('a reconnecting reader gets what it missed once, in order, then live events', async () => {
    await createRoom(alice, 'resume-room');
    const a = await freshSender('resume_sender');
    let reader = await openSocket(bob);
    await subscribe(reader, 'chat:resume-room');
    const seen = await send(a, 'before the drop', 'resume-room');
    const lastOffset = (await received(reader, seen.id)).offset;
    await closeAndForget(reader);

    const missed = [await send(a, 'missed 1', 'resume-room'), await send(a, 'missed 2', 'resume-room')];
    reader = await openSocket(bob);
    const ack = await subscribe(reader, 'chat:resume-room', lastOffset);
    assert.equal(ack.recovered, true);
    const replayed = ack.missed.filter((e) => e.type === 'chat.message');
    assert.deepEqual(
      replayed.map((e) => (e.data as ChatMessage).id),
      missed.map((m) => m.id),
    );
    for (const env of ack.missed) assert.ok(compareOffsets(env.offset, lastOffset) > 0);

    const live = await send(a, 'live again', 'resume-room');
    await received(reader, live.id);
    const ids = chatEvents(reader, 'chat:resume-room').map((e) => e.data.id);
    assert.deepEqual(ids, [live.id], 'replayed events were sent again live');
  });
});

describe('bad input over the socket', () => {
  let user: User;
  let s: TestSocket;
  let anonymous: TestSocket;

  before(async () => {
    user = await newUser('careless');
    s = await openSocket(user);
    anonymous = await openSocket();
  });

  const sendWith = (payload: unknown, socket = s) => request(socket, 'chat:send', payload);
  const valid = () => ({ room: 'lobby', text: 'fine', clientId: randomUUID() });

  test('chat:send refuses bad messages with {ok:false, error:{code}}', async () => {
    const cases: [string, unknown, string][] = [
      ['text over 1000 characters', { ...valid(), text: 'x'.repeat(1001) }, 'BAD_REQUEST'],
      ['1001 emoji (over 1000 characters)', { ...valid(), text: '\u{1F600}'.repeat(1001) }, 'BAD_REQUEST'],
      ['empty text', { ...valid(), text: '' }, 'BAD_REQUEST'],
      ['whitespace-only text', { ...valid(), text: ' \n\t  ' }, 'BAD_REQUEST'],
      ['text that is not a string', { ...valid(), text: 42 }, 'BAD_REQUEST'],
      ['text that is an object', { ...valid(), text: { toString: 'hi' } }, 'BAD_REQUEST'],
      ['missing text', { room: 'lobby', clientId: randomUUID() }, 'BAD_REQUEST'],
      ['missing clientId', { room: 'lobby', text: 'fine' }, 'BAD_REQUEST'],
      ['empty clientId', { ...valid(), clientId: '' }, 'BAD_REQUEST'],
      ['clientId of 101 characters', { ...valid(), clientId: 'c'.repeat(101) }, 'BAD_REQUEST'],
      ['clientId that is a number', { ...valid(), clientId: 7 }, 'BAD_REQUEST'],
      ['room "Bad!"', { ...valid(), room: 'Bad!' }, 'BAD_REQUEST'],
      ['missing room', { text: 'fine', clientId: randomUUID() }, 'BAD_REQUEST'],
      ['unknown room', { ...valid(), room: 'no-such-room' }, 'NOT_FOUND'],
      ['a string payload', 'hello', 'BAD_REQUEST'],
      ['a number payload', 42, 'BAD_REQUEST'],
      ['a null payload', null, 'BAD_REQUEST'],
      ['an array payload', ['lobby', 'hello', 'id'], 'BAD_REQUEST'],
      ['a boolean payload', true, 'BAD_REQUEST'],
    ];
    for (const [what, payload, code] of cases) {
      const ack = await sendWith(payload);
      assert.equal(errorCode(ack), code, what);
      assert.equal(typeof (ack as Extract<Ack, { ok: false }>).error.message, 'string', what);
    }
    assert.ok(s.socket.connected);
    const [stored] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from chat_messages where user_id = $1', [user.id]);
    assert.equal(stored!.n, 0, 'a refused message was stored');

    // The limits themselves are fine.
    assert.equal((await send(s, 'y'.repeat(1000))).text.length, 1000);
    assert.equal((await send(s, 'emoji', 'lobby', 'c'.repeat(100))).text, 'emoji');
    assert.equal([...(await send(s, '\u{1F600}'.repeat(1000))).text].length, 1000);
  });

  test('chat:send while signed out: UNAUTHENTICATED', async () => {
    assert.equal(errorCode(await sendWith(valid(), anonymous)), 'UNAUTHENTICATED');
  });

  test('subscribe refuses unknown, malformed and forbidden streams', async () => {
    const cases: [string, unknown, string][] = [
      ['an unknown stream', { stream: 'nope' }, 'BAD_REQUEST'],
      ['chat without a room', { stream: 'chat:' }, 'BAD_REQUEST'],
      ['user with an argument', { stream: 'user:5' }, 'BAD_REQUEST'],
      ['a bad room name', { stream: 'chat:Bad!' }, 'BAD_REQUEST'],
      ['an unknown room', { stream: 'chat:no-such-room' }, 'NOT_FOUND'],
      ['system as a non-admin', { stream: 'system' }, 'FORBIDDEN'],
      ['an empty stream', { stream: '' }, 'BAD_REQUEST'],
      ['a stream that is not a string', { stream: 5 }, 'BAD_REQUEST'],
      ['a very long stream', { stream: `chat:${'a'.repeat(5000)}` }, 'BAD_REQUEST'],
      ['no stream', {}, 'BAD_REQUEST'],
      ['a string payload', 'chat:lobby', 'BAD_REQUEST'],
      ['a null payload', null, 'BAD_REQUEST'],
      ['an array payload', ['chat:lobby'], 'BAD_REQUEST'],
      ['since that is not an offset', { stream: 'chat:lobby', since: 'yesterday' }, 'BAD_REQUEST'],
      ['since that is a number', { stream: 'chat:lobby', since: 12 }, 'BAD_REQUEST'],
      ['since that is an object', { stream: 'chat:lobby', since: { offset: '1-0' } }, 'BAD_REQUEST'],
    ];
    for (const [what, payload, code] of cases) {
      assert.equal(errorCode(await request(s, 'subscribe', payload)), code, what);
    }
    assert.ok(s.socket.connected);
    assert.equal(errorCode(await request(s, 'unsubscribe', null)), 'BAD_REQUEST');
    assert.deepEqual(await request(s, 'unsubscribe', { stream: 'chat:never-subscribed' }), { ok: true });
  });

  test('streams for signed-in users refuse anonymous sockets: UNAUTHENTICATED', async () => {
    for (const stream of ['chat:lobby', 'user', 'system']) {
      assert.equal(errorCode(await request(anonymous, 'subscribe', { stream })), 'UNAUTHENTICATED', stream);
    }
  });

  test('the admin may watch system; a subscription with a well-formed since is fine', async () => {
    const adminSocket = await openSocket(admin);
    await subscribe(adminSocket, 'system');
    await subscribe(s, 'user');
    const ack = await subscribe(s, 'chat:lobby', '1-0');
    assert.equal(ack.recovered, false, 'history from before the process started cannot be complete');
  });

  test(
    'a request with only an acknowledgement callback is answered BAD_REQUEST',
    async () => {
      for (const event of ['subscribe', 'unsubscribe', 'chat:send']) {
        const ack = (await untyped(s).timeout(1_000).emitWithAck(event)) as Ack;
        assert.equal(errorCode(ack), 'BAD_REQUEST', event);
      }
    },
  );
});

describe('abuse', () => {
  test('25 rapid sends: some RATE_LIMITED, nothing crashes, stored messages = ok acks', async () => {
    const flooder = await newUser('flooder');
    const s = await openSocket(flooder);
    const acks = await Promise.all(
      Array.from({ length: 25 }, (_, i) => request(s, 'chat:send', { room: 'lobby', text: `flood ${i}`, clientId: `flood-${i}` })),
    );
    const ok = acks.filter((ack) => ack.ok);
    const codes = acks.filter((ack) => !ack.ok).map(errorCode);
    assert.ok(codes.length > 0, 'never rate limited');
    assert.ok(ok.length > 0, 'everything was refused');
    assert.deepEqual(new Set(codes), new Set(['RATE_LIMITED']));
    assert.equal(ok.length + codes.length, 25);

    const [stored] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from chat_messages where user_id = $1', [flooder.id]);
    assert.equal(stored!.n, ok.length);
    assert.equal(new Set(ok.map((ack) => (ack.message as ChatMessage).id)).size, ok.length);
    assert.ok(s.socket.connected);
    await assertChatWorks();
  });

  test('unknown events and requests without an acknowledgement callback are ignored', async () => {
    const user = await newUser('noisy');
    const s = await openSocket(user);
    const raw = untyped(s);
    for (const event of ['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'chat:sendx', 'event']) {
      raw.emit(event, { stream: 'chat:lobby' });
      raw.emit(event);
    }
    raw.emit('subscribe', { stream: 'chat:lobby' });
    raw.emit('chat:send', { room: 'lobby', text: 'no ack', clientId: randomUUID() });
    raw.emit('chat:send', 'garbage');
    raw.emit('unsubscribe');
    raw.emit('subscribe', { stream: 'chat:lobby' }, 'not a callback');
    // Still connected and answering on the same socket.
    const message = await send(s, 'after the noise');
    assert.equal(message.text, 'after the noise');
    assert.ok(s.socket.connected);
    await assertChatWorks();
  });

  test('raw WebSocket junk closes at most that connection; the server and other clients carry on', async () => {
    const user = await newUser('junk_sender');
    const bystander = await openSocket(await newUser('bystander'));
    await subscribe(bystander, 'chat:lobby');

    const big = `42["chat:send",{"room":"lobby","text":"${'x'.repeat(100 * 1024)}","clientId":"big"}]`;
    const deep = `42${'['.repeat(5000)}${']'.repeat(5000)}`;
    const junk: { name: string; join: boolean; frames: (string | Buffer)[] }[] = [
      { name: 'unterminated event', join: true, frames: ['42["subscribe"'] },
      { name: 'broken packet', join: true, frames: ['4{{{'] },
      { name: 'event with no name', join: true, frames: ['42[]'] },
      { name: 'event named by a number', join: true, frames: ['42[1,2]'] },
      { name: 'reserved event name', join: true, frames: ['42["disconnect"]'] },
      { name: 'an object instead of an array', join: true, frames: ['42{"a":1}'] },
      { name: 'deeply nested arrays', join: true, frames: [deep] },
      { name: 'ack for nothing', join: true, frames: ['4399["hi"]'] },
      { name: 'binary attachment that never comes', join: true, frames: ['451-["chat:send",{"_placeholder":true,"num":0}]', 'not binary'] },
      { name: 'binary garbage', join: true, frames: [Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42])] },
      { name: 'a 100 KB frame', join: true, frames: [big] },
      { name: 'Engine.IO garbage before anything', join: false, frames: ['xyz', '9', ''] },
      { name: 'events before joining the namespace', join: false, frames: ['42["subscribe",{"stream":"chat:lobby"}]'] },
      { name: 'an unknown namespace', join: false, frames: ['40/admin,'] },
      { name: 'joining twice', join: true, frames: ['40', '40'] },
      { name: 'a flood of pings and noops', join: true, frames: Array.from({ length: 200 }, (_, i) => (i % 2 ? '3' : '6')) },
    ];
    await Promise.all(
      junk.map(async ({ join, frames }) => {
        const raw = await rawConnect(user.cookie);
        if (join) await rawJoin(raw);
        for (const frame of frames) if (raw.ws.readyState === WebSocket.OPEN) raw.ws.send(frame);
        await Promise.race([raw.closed, delay(300)]);
        raw.ws.terminate();
      }),
    );

    const [stored] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from chat_messages where user_id = $1', [user.id]);
    assert.equal(stored!.n, 0, 'junk posted a message');
    assert.ok(bystander.socket.connected, 'a bystander was disconnected');
    await assertChatWorks();
  });

  test('raw well-formed frames with bad payloads are answered with errors', async () => {
    const user = await newUser('raw_speaker');
    const raw = await rawConnect(user.cookie);
    await rawJoin(raw);
    assert.equal(errorCode(await rawRequest(raw, 1, 'chat:send', 'text')), 'BAD_REQUEST');
    assert.equal(errorCode(await rawRequest(raw, 2, 'subscribe', { stream: 'chat:lobby', since: 'x' })), 'BAD_REQUEST');
    assert.equal(errorCode(await rawRequest(raw, 3, 'subscribe', { stream: 'system' })), 'FORBIDDEN');
    const ok = await rawRequest(raw, 4, 'chat:send', { room: 'lobby', text: 'from a raw socket', clientId: 'raw-1' });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal((ok.message as ChatMessage).user.username, 'raw_speaker');
    raw.ws.terminate();
  });
});

describe('presence', () => {
  let watcher: TestSocket;

  before(async () => {
    const owner = await newUser('presence_owner');
    await createRoom(owner, 'presence-room');
    watcher = await openSocket(owner);
    await subscribe(watcher, 'chat:presence-room');
  });

  // A change within ANNOUNCE_INTERVAL_MS of the user's last notice is announced when it is over.
  const noticeWithin = ANNOUNCE_INTERVAL_MS + 5_000;
  const joined = async (user: User) =>
    watcher.waitFor((evs) => evs.some((e) => e.type === 'presence.joined' && (e.data as { user: PublicUser }).user.id === user.id), noticeWithin);
  const left = async (user: User) =>
    watcher.waitFor((evs) => evs.some((e) => e.type === 'presence.left' && (e.data as { user: PublicUser }).user.id === user.id), noticeWithin);

  test('joining the room announces {user}; disconnecting announces the leave', async () => {
    const bea = await newUser('bea');
    const s = await openSocket(bea);
    await subscribe(s, 'chat:presence-room');
    await joined(bea);
    const [env] = presenceEvents(watcher, 'presence.joined', bea.id);
    assert.equal(env!.stream, 'chat:presence-room');
    assert.deepEqual(env!.data, { user: userRef(bea.id, 'bea') });

    s.socket.disconnect();
    await left(bea);
    assert.deepEqual(presenceEvents(watcher, 'presence.left', bea.id)[0]!.data, { user: userRef(bea.id, 'bea') });
  });

  test('a connection that just drops (TCP gone, no goodbye) is announced as left', async () => {
    const cy = await newUser('cyd');
    const raw = await rawConnect(cy.cookie);
    await rawJoin(raw);
    const ack = await rawRequest(raw, 1, 'subscribe', { stream: 'chat:presence-room' });
    assert.ok(ack.ok, JSON.stringify(ack));
    await joined(cy);
    raw.ws.terminate();
    await left(cy);
    assert.equal(presenceEvents(watcher, 'presence.left', cy.id).length, 1);
  });

  test('a user with two tabs joins once and leaves once, when the last tab closes', async () => {
    const dee = await newUser('dee');
    const tab1 = await openSocket(dee);
    const tab2 = await openSocket(dee);
    await subscribe(tab1, 'chat:presence-room');
    await joined(dee);
    await subscribe(tab2, 'chat:presence-room');
    await subscribe(tab2, 'chat:presence-room'); // a re-subscribe is not a new arrival either
    await barrier(watcher, watcher, 'presence-room');
    assert.equal(presenceEvents(watcher, 'presence.joined', dee.id).length, 1);

    await closeAndForget(tab1);
    await barrier(watcher, watcher, 'presence-room');
    assert.equal(presenceEvents(watcher, 'presence.left', dee.id).length, 0, 'left while a tab is still open');

    await closeAndForget(tab2);
    await left(dee);
    await barrier(watcher, watcher, 'presence-room');
    assert.equal(presenceEvents(watcher, 'presence.left', dee.id).length, 1);
    assert.equal(presenceEvents(watcher, 'presence.joined', dee.id).length, 1);
  });

  /**
   * Runs `fn` while the bus takes `ms` to answer replays, as a remote bus (Redis) does: the embedded
   * bus answers within the same tick, which hides races between requests on one socket.
   */
  async function withSlowReplay(ms: number, fn: () => Promise<void>): Promise<void> {
    const bus = app.adapters.bus;
    const replay = bus.replay.bind(bus);
    bus.replay = async (stream, since) => {
      await delay(ms);
      return replay(stream, since);
    };
    try {
      await fn();
    } finally {
      bus.replay = replay;
    }
  }

  test('two subscribe requests sent at once are both answered, and the user is present', async () => {
    const eve = await newUser('eve');
    const s = await openSocket(eve);
    const acks = await Promise.all([1, 2].map(() => request(s, 'subscribe', { stream: 'chat:presence-room' })));
    for (const ack of acks) assert.ok(ack.ok, JSON.stringify(ack));
    await joined(eve);
  });

  test(
    'with a slow bus, two subscribe requests sent at once are both answered, and the user is present',
    async () => {
      const fay = await newUser('fay');
      const s = await openSocket(fay);
      const problems: string[] = [];
      await withSlowReplay(50, async () => {
        const acks = await Promise.allSettled(
          [1, 2].map(() => untyped(s).timeout(2_000).emitWithAck('subscribe', { stream: 'chat:presence-room' }) as Promise<Ack>),
        );
        acks.forEach((ack, i) => {
          if (ack.status === 'rejected') problems.push(`subscribe #${i + 1} was never answered`);
          else if (!ack.value.ok) problems.push(`subscribe #${i + 1} failed: ${JSON.stringify(ack.value)}`);
        });
      });
      await barrier(watcher, watcher, 'presence-room');
      const res = await app.app.inject({ method: 'GET', url: '/api/chat/rooms/presence-room/presence', headers: { cookie: fay.cookie } });
      if (!(res.json().items as PublicUser[]).some((u) => u.id === fay.id)) problems.push('fay is not in the presence list');
      if (presenceEvents(watcher, 'presence.joined', fay.id).length !== 1) problems.push('no presence.joined for fay');
      assert.deepEqual(problems, []);
    },
  );

  test('a subscribe that finds the bus failing is not refused: the connection drops, and the client resumes', async () => {
    const bus = app.adapters.bus;
    const replay = bus.replay.bind(bus);
    let failures = 1;
    // What ioredis says when a command meets a Redis that is restarting.
    bus.replay = async (stream, since) => {
      if (failures-- > 0) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      return replay(stream, since);
    };
    const client = new ResumingClient(app.url, ['latest']);
    try {
      await client.ready(10_000);
      assert.equal(client.drops.length, 1, 'the failing subscribe dropped the connection once');
      const acks = client.streams.get('latest')!.acks;
      assert.deepEqual(
        acks.map((a) => a.ok),
        [true],
        'no error answer: one subscribe answered, on the new connection',
      );
    } finally {
      bus.replay = replay;
      client.close();
    }
  });

  test(
    'with a slow bus, a subscribe followed at once by an unsubscribe is still answered',
    async () => {
      const gil = await newUser('gil');
      const s = await openSocket(gil);
      await withSlowReplay(300, async () => {
        const sub = untyped(s).timeout(2_000).emitWithAck('subscribe', { stream: 'chat:presence-room' }) as Promise<Ack>;
        await delay(100); // the subscribe now waits for its replay
        assert.deepEqual(await request(s, 'unsubscribe', { stream: 'chat:presence-room' }), { ok: true });
        const answered = await sub.then(
          () => true,
          () => false,
        );
        assert.ok(answered, 'the subscribe was never answered');
      });
    },
  );
});

describe('the handshake and the session', () => {
  const openWith = (headers: Record<string, string>) =>
    new Promise<{ connected: boolean; socket: Socket }>((resolve) => {
      const socket = io(app.url, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
      socket.once('connect', () => resolve({ connected: true, socket }));
      socket.once('connect_error', () => resolve({ connected: false, socket }));
    });

  test('a WebSocket handshake from a foreign Origin is refused; from our own it works', async () => {
    const user = await newUser('origin_user');
    for (const origin of ['http://evil.example', 'null', `${app.url}.evil.example`, app.url.replace('127.0.0.1', 'localhost')]) {
      const { connected, socket } = await openWith({ origin, cookie: user.cookie });
      socket.close();
      assert.equal(connected, false, `connected from ${origin}`);
    }
    await assert.rejects(rawConnect(user.cookie, { origin: 'http://evil.example' }));

    const own = await openWith({ origin: app.url, cookie: user.cookie });
    try {
      assert.equal(own.connected, true);
      const ack = (await own.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'chat:lobby' })) as Ack;
      assert.ok(ack.ok, JSON.stringify(ack));
    } finally {
      own.socket.close();
    }
    const none = await openWith({ cookie: user.cookie });
    none.socket.close();
    assert.equal(none.connected, true, 'a handshake without Origin (not a browser) is not cross-site');
  });

  test('logout disconnects the sockets of that session, and only those', async () => {
    const user = await newUser('leaver');
    const other = await openSocket(await newUser('stayer'));
    const tab1 = await openSocket(user);
    const tab2 = await openSocket(user);
    await subscribe(tab1, 'chat:lobby');
    const gone = [disconnected(tab1), disconnected(tab2)];

    const res = await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: user.cookie } });
    assert.equal(res.statusCode, 204);
    assert.deepEqual(await Promise.all(gone), ['io server disconnect', 'io server disconnect']);

    assert.ok(other.socket.connected);
    await send(other, 'still here');

    // The old cookie opens only an anonymous connection now.
    const after = await openSocket(user);
    assert.equal(errorCode(await request(after, 'subscribe', { stream: 'chat:lobby' })), 'UNAUTHENTICATED');
    assert.equal(errorCode(await request(after, 'chat:send', { room: 'lobby', text: 'hi', clientId: randomUUID() })), 'UNAUTHENTICATED');
  });

  test('a new login with the old cookie ends the sockets of the old session', async () => {
    const user = await newUser('rotator');
    const s = await openSocket(user);
    const gone = disconnected(s);
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { cookie: user.cookie },
      payload: { username: 'rotator', password: 'correct horse' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await gone, 'io server disconnect');

    const fresh = await openSocket({ ...user, cookie: cookieFrom(res.headers['set-cookie']) });
    await subscribe(fresh, 'chat:lobby');
  });
});
