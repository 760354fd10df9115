// Private messages over HTTP (in process, app.inject) and a few sockets: opening a conversation (one
// per pair), sending with idempotent retries, `/me`, bad input, history pages, read markers that
// only move forward, unread counts per conversation and in total with their events, one
// notification per unread streak, bounded lists, and the rights: non-members (404, FORBIDDEN on the
// stream), a blocked pair (403 BLOCKED, FORBIDDEN), a suspended or deleted other member.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DM_LIMITS } from '../../src/features/dms/dms.service.js';
import { SESSIONS_STREAM } from '../../src/realtime/socket-sessions.js';
import type { Notification, Page } from '../../src/shared/api.js';
import type { Conversation, DirectMessage } from '../../src/shared/community.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { jobsSettled } from '../helpers/photos.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

interface User {
  cookie: string;
  id: string;
  username: string;
}

let app: TestApp;
let ann: User;
let bob: User;
let cat: User;
let dan: User;
const published: Envelope[] = [];
/** An event type whose next publish fails, as one does while Redis fails over. */
let failNextPublishOf: string | null = null;

before(async () => {
  app = await buildTestApp(null);
  const publish = app.adapters.bus.publish.bind(app.adapters.bus);
  app.adapters.bus.publish = async (stream, type, data, opts) => {
    if (type === failNextPublishOf) {
      failNextPublishOf = null;
      throw new Error('publish failed (test)');
    }
    const env = await publish(stream, type, data, opts);
    published.push(env);
    return env;
  };
  const user = async (username: string): Promise<User> => ({ ...(await register(app, username)), username });
  await user('dm_admin'); // the first account takes the admin seat
  ann = await user('dm_ann');
  bob = await user('dm_bob');
  cat = await user('dm_cat');
  dan = await user('dm_dan');
  await app.listen();
});

after(() => app.close());

beforeEach(async () => {
  for (const u of [ann, bob, cat, dan]) {
    for (const key of ['open', 'send', 'read']) await app.adapters.limiter.reset(`dms:${key}:${u.id}`);
  }
});

type Res = { statusCode: number; body: string; json(): unknown };

function req(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, user?: User | null, payload?: object, headers: Record<string, string> = {}) {
  return app.app.inject({ method, url, headers: { ...(user ? { cookie: user.cookie } : {}), ...headers }, ...(payload ? { payload } : {}) });
}
function ok<T>(res: Res, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return res.json() as T;
}
function refused(res: Res, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal((res.json() as { error: { code: string } }).error.code, code, res.body);
}

const open = (who: User, username: string) => req('POST', '/api/conversations', who, { username });
async function conversationOf(who: User, other: User): Promise<Conversation> {
  const res = await open(who, other.username);
  assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
  return (res.json() as { conversation: Conversation }).conversation;
}
let seq = 0;
const send = (who: User, id: string, text: string, clientId = `c${++seq}`) => req('POST', `/api/conversations/${id}/messages`, who, { text, clientId });
async function sent(who: User, id: string, text: string): Promise<DirectMessage> {
  return ok<{ message: DirectMessage }>(await send(who, id, text), 201).message;
}
const markRead = (who: User, id: string, upTo: string) => req('POST', `/api/conversations/${id}/read`, who, { upTo });
const list = (who: User | null, query = '') => req('GET', `/api/conversations${query}`, who);

async function clean(): Promise<void> {
  const db = app.adapters.db;
  await db.query(`delete from notifications where type = 'message'`);
  await db.query(`delete from conversations`);
  await db.query(`delete from blocks`);
  await db.query(`update users set suspended_until = null`);
  for (const a of [ann, bob, cat, dan]) {
    for (const b of [ann, bob, cat, dan]) await app.adapters.bus.publish(SESSIONS_STREAM, 'user.blocks', { a: a.id, b: b.id, blocked: false });
    await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: a.id, until: null, lifted: true });
  }
  await delay(20);
  published.length = 0;
}

async function blockPair(blocker: User, blocked: User): Promise<void> {
  await app.adapters.db.query(`insert into blocks (blocker_id, blocked_id) values ($1, $2)`, [blocker.id, blocked.id]);
  await app.adapters.bus.publish(SESSIONS_STREAM, 'user.blocks', { a: blocker.id, b: blocked.id, blocked: true });
  await delay(20);
}

async function suspend(user: User): Promise<void> {
  await app.adapters.db.query(`update users set suspended_until = 'infinity' where id = $1`, [user.id]);
  await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: user.id, until: null, lifted: false });
  await delay(20);
}

async function lift(user: User): Promise<void> {
  await app.adapters.db.query(`update users set suspended_until = null where id = $1`, [user.id]);
  await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: user.id, until: null, lifted: true });
  await delay(20);
}

const eventsOf = (type: string, stream?: string) => published.filter((e) => e.type === type && (stream === undefined || e.stream === stream));

describe('opening a conversation', () => {
  beforeEach(clean);

  test('one conversation per pair: 201 when new, 200 with the same one from either side', async () => {
    const first = await open(ann, bob.username);
    const created = ok<{ conversation: Conversation }>(first, 201).conversation;
    assert.equal(created.with.username, bob.username);
    assert.equal(created.unread, 0);
    assert.equal(created.lastMessage, null);
    assert.equal(created.readUpTo, null);
    const again = ok<{ conversation: Conversation }>(await open(ann, bob.username)).conversation;
    assert.equal(again.id, created.id);
    const fromBob = ok<{ conversation: Conversation }>(await open(bob, ann.username)).conversation;
    assert.equal(fromBob.id, created.id);
    assert.equal(fromBob.with.username, ann.username);
    const rows = await app.adapters.db.query(`select 1 from conversations`);
    assert.equal(rows.length, 1);
  });

  test('two opens of the same pair at once make one row', async () => {
    const results = await Promise.all([open(ann, cat.username), open(cat, ann.username), open(ann, cat.username)]);
    const ids = new Set(results.map((r) => (r.json() as { conversation: Conversation }).conversation.id));
    assert.equal(ids.size, 1);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 200, 201]);
  });


  test('refusals: signed out, oneself, nobody, a malformed name, a blocked pair, a suspended or deleted user, cross-site, a flood', async () => {
    refused(await req('POST', '/api/conversations', null, { username: bob.username }), 401, 'UNAUTHENTICATED');
    refused(await open(ann, ann.username), 400, 'SELF_MESSAGE');
    refused(await open(ann, 'nobody_here'), 404, 'NOT_FOUND');
    refused(await open(ann, 'Not-A-Name'), 404, 'NOT_FOUND');
    refused(await open(ann, 'x'.repeat(101)), 400, 'VALIDATION');
    refused(await req('POST', '/api/conversations', ann, {}), 400, 'VALIDATION');
    refused(await req('POST', '/api/conversations', ann, { username: 42 }), 400, 'VALIDATION');
    refused(await open(ann, '[deleted]'), 404, 'NOT_FOUND');
    await blockPair(bob, ann);
    refused(await open(ann, bob.username), 403, 'BLOCKED');
    refused(await open(bob, ann.username), 403, 'BLOCKED');
    await suspend(dan);
    refused(await open(ann, dan.username), 404, 'NOT_FOUND');
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    refused(await req('POST', '/api/conversations', ann, { username: cat.username }, crossSite), 403, 'CSRF');
    assert.equal((await app.adapters.db.query(`select 1 from conversations`)).length, 0, 'nothing written');
    // Every open counts, found or not: the budget also bounds probing for names.
    await app.adapters.limiter.reset(`dms:open:${ann.id}`);
    for (let i = 0; i < DM_LIMITS.opensPerUser.limit; i++) await open(ann, i % 2 ? cat.username : `nobody_${i}`);
    refused(await open(ann, cat.username), 429, 'RATE_LIMITED');
  });
});

describe('sending', () => {
  beforeEach(clean);

  test('201 with the message, published once on dm:<id>; a retry with the same clientId is 200 with the first and publishes nothing', async () => {
    const c = await conversationOf(ann, bob);
    const first = await send(ann, c.id, '  hello <b>bob</b>  ', 'retry-me');
    const message = ok<{ message: DirectMessage }>(first, 201).message;
    assert.equal(message.text, 'hello <b>bob</b>');
    assert.equal(message.kind, 'text');
    assert.equal(message.conversationId, c.id);
    assert.equal(message.user.username, ann.username);
    const retry = ok<{ message: DirectMessage }>(await send(ann, c.id, 'something else', 'retry-me'), 200).message;
    assert.deepEqual(retry, message);
    assert.deepEqual(
      eventsOf('dm.message').map((e) => [e.stream, (e.data as DirectMessage).id]),
      [[`dm:${c.id}`, message.id]],
    );
    // Both members hear of it on their own streams; the recipient's count is 1.
    assert.deepEqual(eventsOf('dm.unread', `user:${bob.id}`).map((e) => e.data), [{ conversationId: c.id, unread: 1, total: 1 }]);
    assert.deepEqual(eventsOf('dm.unread', `user:${ann.id}`).map((e) => e.data), [{ conversationId: c.id, unread: 0, total: 0 }]);
    // The same clientId in another conversation cannot name a second message.
    const other = await conversationOf(ann, cat);
    refused(await send(ann, other.id, 'hi', 'retry-me'), 409, 'CONFLICT');
    const rows = await app.adapters.db.query(`select 1 from dm_messages`);
    assert.equal(rows.length, 1);
  });

  test('a message stored whose publish failed goes out live on the retry, once; a retry after that publishes nothing', async () => {
    const c = await conversationOf(ann, bob);
    failNextPublishOf = 'dm.message';
    const failed = await send(ann, c.id, 'through a failover', 'lost-publish');
    assert.ok(failed.statusCode >= 500, `the failed publish is an error the client retries: ${failed.statusCode} ${failed.body}`);
    assert.deepEqual(eventsOf('dm.message'), [], 'nothing went out');
    const stored = await app.adapters.db.query<{ published: boolean }>(`select published from dm_messages`);
    assert.deepEqual(stored, [{ published: false }], 'the message is stored, not yet published');
    const message = ok<{ message: DirectMessage }>(await send(ann, c.id, 'through a failover', 'lost-publish'), 200).message;
    assert.deepEqual(eventsOf('dm.message').map((e) => (e.data as DirectMessage).id), [message.id], 'the retry published it');
    assert.deepEqual(eventsOf('dm.unread', `user:${bob.id}`).map((e) => e.data), [{ conversationId: c.id, unread: 1, total: 1 }]);
    ok(await send(ann, c.id, 'through a failover', 'lost-publish'), 200);
    assert.equal(eventsOf('dm.message').length, 1, 'a later retry publishes nothing');
  });

  test('parallel retries with one clientId store one message', async () => {
    const c = await conversationOf(ann, bob);
    const results = await Promise.all(Array.from({ length: 5 }, () => send(ann, c.id, 'once', 'parallel')));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 201]);
    assert.equal(new Set(results.map((r) => (r.json() as { message: DirectMessage }).message.id)).size, 1);
    assert.equal(eventsOf('dm.message').length, 1);
  });

  test('/me makes an action; bad input is a 400 with nothing stored', async () => {
    const c = await conversationOf(ann, bob);
    const action = await sent(ann, c.id, '/me waves');
    assert.deepEqual([action.kind, action.text], ['action', 'waves']);
    const url = `/api/conversations/${c.id}/messages`;
    refused(await send(ann, c.id, ''), 400, 'VALIDATION');
    refused(await send(ann, c.id, '   \u200b  '), 400, 'VALIDATION');
    refused(await send(ann, c.id, '/me'), 400, 'VALIDATION');
    refused(await send(ann, c.id, 'x'.repeat(1001)), 400, 'VALIDATION');
    refused(await send(ann, c.id, 'x'.repeat(5000)), 400, 'VALIDATION');
    refused(await req('POST', url, ann, { text: 'no client id' }), 400, 'VALIDATION');
    refused(await req('POST', url, ann, { text: 'empty client id', clientId: '' }), 400, 'VALIDATION');
    refused(await req('POST', url, ann, { text: 'nul', clientId: 'a\u0000b' }), 400, 'VALIDATION');
    refused(await req('POST', url, ann, { text: 42, clientId: 'x' }), 400, 'VALIDATION');
    refused(await req('POST', '/api/conversations/abc/messages', ann, { text: 'hi', clientId: 'x' }), 400, 'VALIDATION');
    assert.equal((await sent(ann, c.id, 'x'.repeat(1000))).text.length, 1000);
    assert.equal((await app.adapters.db.query(`select 1 from dm_messages`)).length, 2);
  });

  test('rights: signed out 401, a non-member 404, a blocked pair 403 BLOCKED, a suspended other 404, a flood 429', async () => {
    const c = await conversationOf(ann, bob);
    refused(await req('POST', `/api/conversations/${c.id}/messages`, null, { text: 'hi', clientId: 'x' }), 401, 'UNAUTHENTICATED');
    refused(await send(cat, c.id, 'let me in'), 404, 'NOT_FOUND');
    refused(await send(cat, '999999999', 'nobody'), 404, 'NOT_FOUND');
    await blockPair(ann, bob);
    refused(await send(bob, c.id, 'still there?'), 403, 'BLOCKED');
    refused(await send(ann, c.id, 'bye'), 403, 'BLOCKED');
    await clean();
    const d = await conversationOf(ann, dan);
    await suspend(dan);
    refused(await send(ann, d.id, 'hello?'), 404, 'NOT_FOUND');
    await lift(dan);
    await sent(ann, d.id, 'welcome back');
    for (let i = 1; i < DM_LIMITS.messagesPerUser.limit; i++) await sent(ann, d.id, `n${i}`);
    refused(await send(ann, d.id, 'one too many'), 429, 'RATE_LIMITED');
    assert.equal(eventsOf('dm.message').length, DM_LIMITS.messagesPerUser.limit);
  });
});

describe('reading', () => {
  beforeEach(clean);

  test('history is newest first with a cursor, members only', async () => {
    const c = await conversationOf(ann, bob);
    const messages: DirectMessage[] = [];
    for (let i = 0; i < 5; i++) messages.push(await sent(i % 2 ? bob : ann, c.id, `m${i}`));
    const first = ok<Page<DirectMessage>>(await req('GET', `/api/conversations/${c.id}/messages?limit=2`, bob));
    assert.deepEqual(first.items.map((m) => m.text), ['m4', 'm3']);
    const second = ok<Page<DirectMessage>>(await req('GET', `/api/conversations/${c.id}/messages?limit=2&before=${first.next}`, bob));
    assert.deepEqual(second.items.map((m) => m.text), ['m2', 'm1']);
    const last = ok<Page<DirectMessage>>(await req('GET', `/api/conversations/${c.id}/messages?limit=2&before=${second.next}`, bob));
    assert.deepEqual(last.items.map((m) => m.text), ['m0']);
    assert.equal(last.next, null);
    refused(await req('GET', `/api/conversations/${c.id}/messages`, cat), 404, 'NOT_FOUND');
    refused(await req('GET', `/api/conversations/${c.id}`, cat), 404, 'NOT_FOUND');
    refused(await req('GET', `/api/conversations/${c.id}/messages`), 401, 'UNAUTHENTICATED');
    refused(await req('GET', `/api/conversations/${c.id}/messages?limit=101`, ann), 400, 'VALIDATION');
    refused(await req('GET', `/api/conversations/${c.id}/messages?before=bm9wZQ`, ann), 400, 'VALIDATION');
    refused(await req('GET', '/api/conversations/1%27%20or%201=1', ann), 400, 'VALIDATION');
    const got = ok<{ conversation: Conversation }>(await req('GET', `/api/conversations/${c.id}`, ann)).conversation;
    assert.equal(got.lastMessage?.id, messages[4]!.id);
  });

  test('read markers move forward only, never past the last message; counts and events follow', async () => {
    const c = await conversationOf(ann, bob);
    const m1 = await sent(ann, c.id, 'one');
    const m2 = await sent(ann, c.id, 'two');
    const m3 = await sent(ann, c.id, 'three');
    const unreadOf = async (who: User) => ok<{ conversation: Conversation }>(await req('GET', `/api/conversations/${c.id}`, who)).conversation;
    assert.equal((await unreadOf(bob)).unread, 3);
    assert.equal((await unreadOf(ann)).unread, 0, 'nobody has their own messages unread');
    published.length = 0;

    assert.deepEqual(ok(await markRead(bob, c.id, m2.id)), { conversationId: c.id, readUpTo: m2.id, unread: 1, total: 1 });
    assert.deepEqual(eventsOf('dm.read').map((e) => [e.stream, e.data]), [[`dm:${c.id}`, { conversationId: c.id, userId: bob.id, readUpTo: m2.id }]]);
    assert.deepEqual(eventsOf('dm.unread').map((e) => [e.stream, e.data]), [[`user:${bob.id}`, { conversationId: c.id, unread: 1, total: 1 }]]);
    assert.equal((await unreadOf(ann)).readUpTo, m2.id, "ann sees bob's marker");

    // The sends' notification jobs publish on their own time; let them finish so only the marker counts.
    await jobsSettled(app);
    published.length = 0;
    assert.deepEqual(ok(await markRead(bob, c.id, m1.id)), { conversationId: c.id, readUpTo: m2.id, unread: 1, total: 1 }, 'never back');
    assert.deepEqual(published.map((e) => e.type), [], 'nothing moved, nothing published');
    assert.deepEqual(ok(await markRead(bob, c.id, '999999999999')), { conversationId: c.id, readUpTo: m3.id, unread: 0, total: 0 }, 'never past the last message');
    assert.equal((await unreadOf(bob)).unread, 0);

    refused(await markRead(cat, c.id, m3.id), 404, 'NOT_FOUND');
    refused(await markRead(bob, c.id, 'abc'), 400, 'VALIDATION');
    refused(await req('POST', `/api/conversations/${c.id}/read`, bob, {}), 400, 'VALIDATION');
    refused(await req('POST', `/api/conversations/${c.id}/read`, null, { upTo: m3.id }), 401, 'UNAUTHENTICATED');

    // Replying means having read: bob's unread from ann go to 0 and ann sees "Seen".
    const m4 = await sent(ann, c.id, 'four');
    assert.equal((await unreadOf(bob)).unread, 1);
    published.length = 0;
    const reply = await sent(bob, c.id, 'reply');
    assert.equal((await unreadOf(bob)).unread, 0);
    assert.equal((await unreadOf(ann)).readUpTo, reply.id);
    assert.ok(BigInt(reply.id) > BigInt(m4.id));
    assert.deepEqual(eventsOf('dm.read').map((e) => e.data), [{ conversationId: c.id, userId: bob.id, readUpTo: reply.id }]);
  });

  test('a read marker is rate limited', async () => {
    const c = await conversationOf(ann, bob);
    const m = await sent(ann, c.id, 'hi');
    for (let i = 0; i < DM_LIMITS.readsPerUser.limit; i++) ok(await markRead(bob, c.id, m.id));
    refused(await markRead(bob, c.id, m.id), 429, 'RATE_LIMITED');
  });
});

describe('the list and the unread counts', () => {
  beforeEach(clean);

  test('unread first, then by last message; counts per conversation and in total; empty conversations left out', async () => {
    const withBob = await conversationOf(ann, bob);
    const withCat = await conversationOf(ann, cat);
    await conversationOf(ann, dan); // never written in: not listed
    await sent(ann, withBob.id, 'to bob');
    await sent(cat, withCat.id, 'from cat 1');
    await sent(cat, withCat.id, 'from cat 2');
    await sent(bob, withBob.id, 'from bob'); // bob's is newer, but ann... has unread in both
    let page = ok<Page<Conversation> & { unread: number }>(await list(ann));
    assert.deepEqual(page.items.map((c) => [c.with.username, c.unread]), [[bob.username, 1], [cat.username, 2]]);
    assert.equal(page.unread, 3);
    assert.equal(page.items[0]!.lastMessage?.text, 'from bob');

    await markRead(ann, withBob.id, page.items[0]!.lastMessage!.id);
    page = ok(await list(ann));
    assert.deepEqual(page.items.map((c) => [c.with.username, c.unread]), [[cat.username, 2], [bob.username, 0]], 'unread first');
    assert.equal(page.unread, 2);
    const bobs = ok<Page<Conversation> & { unread: number }>(await list(bob));
    assert.deepEqual(bobs.items.map((c) => [c.with.username, c.unread]), [[ann.username, 0]]);
    assert.equal(bobs.unread, 0);
    refused(await list(null), 401, 'UNAUTHENTICATED');
    refused(await list(ann, '?limit=101'), 400, 'VALIDATION');
    refused(await list(ann, '?limit=0'), 400, 'VALIDATION');
    refused(await list(ann, '?before=bm9wZQ'), 400, 'VALIDATION');
    const forged = Buffer.from(JSON.stringify({ u: 1, m: "1' or 1=1" })).toString('base64url');
    refused(await list(ann, `?before=${forged}`), 400, 'VALIDATION');
  });

  test('pages are bounded and join up: every conversation once, unread ones first', async () => {
    // Conversations of ann with 12 users, made straight in the database (the open limit is per user).
    const others: User[] = [];
    for (let i = 0; i < 12; i++) others.push({ ...(await register(app, `dm_many${i}`)), username: `dm_many${i}` });
    for (const [i, o] of others.entries()) {
      const c = await conversationOf(o, ann);
      await sent(o, c.id, `hello ${i}`);
      if (i % 3 === 0) await markRead(ann, c.id, '999999999999');
      await app.adapters.limiter.reset(`dms:read:${ann.id}`);
    }
    const seen: Conversation[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Conversation> = ok(await list(ann, `?limit=5${cursor ? `&before=${cursor}` : ''}`));
      assert.ok(page.items.length <= 5);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen.map((c) => c.id)).size, 12);
    const flags = seen.map((c) => (c.unread > 0 ? 1 : 0));
    assert.deepEqual(flags, [...flags].sort((a, b) => b - a), 'unread ones first');
    assert.equal(flags.filter((f) => f === 1).length, 8);
  });

  test('a blocked pair and a suspended member leave the list and the total; lifting brings them back', async () => {
    const withBob = await conversationOf(bob, ann);
    const withDan = await conversationOf(dan, ann);
    await sent(bob, withBob.id, 'from bob');
    await sent(dan, withDan.id, 'from dan');
    const names = async () => {
      const page = ok<Page<Conversation> & { unread: number }>(await list(ann));
      return { names: page.items.map((c) => c.with.username).sort(), unread: page.unread };
    };
    assert.deepEqual(await names(), { names: [bob.username, dan.username], unread: 2 });
    await blockPair(ann, bob);
    await suspend(dan);
    assert.deepEqual(await names(), { names: [], unread: 0 });
    refused(await req('GET', `/api/conversations/${withBob.id}`, ann), 403, 'BLOCKED');
    refused(await req('GET', `/api/conversations/${withBob.id}/messages`, bob), 403, 'BLOCKED');
    refused(await markRead(bob, withBob.id, '1'), 403, 'BLOCKED');
    refused(await req('GET', `/api/conversations/${withDan.id}/messages`, ann), 404, 'NOT_FOUND');
    await lift(dan);
    await app.adapters.db.query(`delete from blocks`);
    await app.adapters.bus.publish(SESSIONS_STREAM, 'user.blocks', { a: ann.id, b: bob.id, blocked: false });
    await delay(20);
    assert.deepEqual(await names(), { names: [bob.username, dan.username], unread: 2 });
  });
});

describe('notifications', () => {
  beforeEach(clean);

  test('one `message` notification per unread streak, not one per message', async () => {
    const c = await conversationOf(ann, bob);
    for (let i = 0; i < 4; i++) await sent(ann, c.id, `burst ${i}`);
    await jobsSettled(app);
    const notes = async () =>
      ok<Page<Notification>>(await req('GET', '/api/notifications', bob)).items.filter((n) => n.type === 'message');
    let mine = await notes();
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.actor?.username, ann.username);
    assert.deepEqual(mine[0]!.conversation, { id: c.id });
    const last = await sent(ann, c.id, 'still unread');
    await jobsSettled(app);
    assert.equal((await notes()).length, 1, 'the same streak');
    await markRead(bob, c.id, last.id);
    await sent(ann, c.id, 'after reading');
    await jobsSettled(app);
    mine = await notes();
    assert.equal(mine.length, 2, 'a new streak after bob read');
    const anns = ok<Page<Notification>>(await req('GET', '/api/notifications', ann)).items.filter((n) => n.type === 'message');
    assert.equal(anns.length, 0, 'the sender is not notified');
  });
});

describe('account deletion', () => {
  beforeEach(clean);

  test('the conversation stays, from "[deleted]"; nothing more can be sent to it', async () => {
    const gone = { ...(await register(app, 'dm_gone')), username: 'dm_gone' };
    const c = await conversationOf(ann, gone);
    await sent(gone, c.id, 'before I go');
    await sent(ann, c.id, 'see you');
    ok(await req('DELETE', '/api/me', gone, { password: 'correct horse' }), 202);
    refused(await send(ann, c.id, 'are you there?'), 410, 'GONE');
    await jobsSettled(app);
    const page = ok<Page<Conversation>>(await list(ann));
    const item = page.items.find((x) => x.id === c.id)!;
    assert.equal(item.with.username, '[deleted]');
    assert.equal(item.with.id, gone.id);
    const history = ok<Page<DirectMessage>>(await req('GET', `/api/conversations/${c.id}/messages`, ann));
    assert.deepEqual(history.items.map((m) => [m.user.username, m.text]), [[ann.username, 'see you'], ['[deleted]', 'before I go']]);
    refused(await send(ann, c.id, 'hello?'), 410, 'GONE');
    refused(await open(ann, 'dm_gone'), 404, 'NOT_FOUND');
  });
});

describe('the dm:<id> stream', () => {
  beforeEach(clean);

  const sockets: TestSocket[] = [];
  after(() => sockets.forEach((s) => s.close()));
  async function socketOf(user: User | null): Promise<TestSocket> {
    const s = await connect(app.url, user?.cookie);
    sockets.push(s);
    return s;
  }
  const subscribeAck = (s: TestSocket, stream: string) => s.socket.emitWithAck('subscribe', { stream }) as Promise<SubscribeAck>;
  const codeOf = (ack: SubscribeAck) => (ack.ok ? 'OK' : ack.error.code);

  test('members may watch; a non-member, a blocked pair and a signed-out socket may not', async () => {
    const c = await conversationOf(ann, bob);
    const annS = await socketOf(ann);
    const catS = await socketOf(cat);
    const anon = await socketOf(null);
    assert.equal(codeOf(await subscribeAck(annS, `dm:${c.id}`)), 'OK');
    assert.equal(codeOf(await subscribeAck(catS, `dm:${c.id}`)), 'FORBIDDEN');
    assert.equal(codeOf(await subscribeAck(catS, 'dm:999999999')), 'FORBIDDEN', 'a conversation that does not exist looks the same');
    assert.equal(codeOf(await subscribeAck(anon, `dm:${c.id}`)), 'UNAUTHENTICATED');
    assert.equal(codeOf(await subscribeAck(catS, 'dm:abc')), 'BAD_REQUEST');
    const m = await sent(bob, c.id, 'live');
    await annS.waitFor((evs) => evs.some((e) => e.type === 'dm.message' && (e.data as DirectMessage).id === m.id));
    await blockPair(bob, ann);
    const bobS = await socketOf(bob);
    assert.equal(codeOf(await subscribeAck(bobS, `dm:${c.id}`)), 'FORBIDDEN');
    assert.equal(codeOf(await subscribeAck(await socketOf(ann), `dm:${c.id}`)), 'FORBIDDEN');
  });

  test('dm:send answers like chat:send: the message, the same one on a retry, refusals as codes', async () => {
    const c = await conversationOf(ann, bob);
    const annS = await socketOf(ann);
    const first = await annS.socket.emitWithAck('dm:send', { conversationId: c.id, text: '/me knocks', clientId: 'sock-1' });
    assert.ok(first.ok, JSON.stringify(first));
    assert.deepEqual([first.message.kind, first.message.text, first.message.conversationId], ['action', 'knocks', c.id]);
    const again = await annS.socket.emitWithAck('dm:send', { conversationId: c.id, text: 'other', clientId: 'sock-1' });
    assert.deepEqual(again, first);
    assert.equal(eventsOf('dm.message').length, 1);
    const catS = await socketOf(cat);
    const anon = await socketOf(null);
    const code = async (s: TestSocket, req: unknown) => {
      const ack = await s.socket.emitWithAck('dm:send', req as never);
      return ack.ok ? 'OK' : ack.error.code;
    };
    assert.equal(await code(catS, { conversationId: c.id, text: 'hi', clientId: 'x1' }), 'NOT_FOUND');
    assert.equal(await code(anon, { conversationId: c.id, text: 'hi', clientId: 'x2' }), 'UNAUTHENTICATED');
    assert.equal(await code(annS, { conversationId: c.id, text: '', clientId: 'x3' }), 'BAD_REQUEST');
    assert.equal(await code(annS, { conversationId: c.id, text: 'no id' }), 'BAD_REQUEST');
    assert.equal(await code(annS, { conversationId: 'nope', text: 'hi', clientId: 'x4' }), 'BAD_REQUEST');
    assert.equal(await code(annS, 'not an object'), 'BAD_REQUEST');
    await blockPair(ann, bob);
    assert.equal(await code(annS, { conversationId: c.id, text: 'hi', clientId: 'x5' }), 'BLOCKED');
  });
});
