// Blocking and suspensions over HTTP (in process, app.inject): the block endpoints and their refusals,
// follows ended both ways with the counts pushed, the events both users and every instance get,
// BLOCKED on follow, like and comment in either direction, mentions that notify nobody, and every
// read (feeds, single photo, comments, chat history and presence, search, notifications) leaving out
// a blocked pair's and a suspended user's content, with pages that stay full.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { notifyComment } from '../../src/features/comments/comments.jobs.js';
import { BLOCK_LIMITS } from '../../src/features/blocks/blocks.service.js';
import { tagReadyPhoto } from '../../src/features/tags/tags.repo.js';
import { blobKey } from '../../src/ports/blobs.js';
import { SESSIONS_STREAM } from '../../src/realtime/socket-sessions.js';
import type { ChatMessage, Comment, Notification, Page, Photo, Profile, PublicUser, SearchResults } from '../../src/shared/api.js';
import type { BlockedUser } from '../../src/shared/community.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { jobsSettled } from '../helpers/photos.js';

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

before(async () => {
  app = await buildTestApp(null);
  const publish = app.adapters.bus.publish.bind(app.adapters.bus);
  app.adapters.bus.publish = async (stream, type, data, opts) => {
    const env = await publish(stream, type, data, opts);
    published.push(env);
    return env;
  };
  const user = async (username: string): Promise<User> => ({ ...(await register(app, username)), username });
  await user('blk_admin'); // the first account takes the admin seat
  ann = await user('blk_ann');
  bob = await user('blk_bob');
  cat = await user('blk_cat');
  dan = await user('blk_dan');
});

beforeEach(async () => {
  for (const u of [ann, bob, cat, dan]) {
    if (!u) continue;
    await app.adapters.limiter.reset(`blocks:${u.id}`);
    await app.adapters.limiter.reset(`social:${u.id}`);
    await app.adapters.limiter.reset(`comments:${u.id}`);
  }
});

test.after(() => app.close());

function req(method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, user?: User | null, payload?: object, headers: Record<string, string> = {}) {
  return app.app.inject({ method, url, headers: { ...(user ? { cookie: user.cookie } : {}), ...headers }, ...(payload ? { payload } : {}) });
}
const block = (who: User, whom: string) => req('PUT', `/api/users/${whom}/block`, who);
const unblock = (who: User, whom: string) => req('DELETE', `/api/users/${whom}/block`, who);

function ok<T>(res: { statusCode: number; body: string; json(): unknown }, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return res.json() as T;
}
function refused(res: { statusCode: number; body: string; json(): unknown }, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal((res.json() as { error: { code: string } }).error.code, code, res.body);
}

let photoSeq = 0;
async function photoOf(owner: User, caption = '', city: string | null = null): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into photos (owner_id, status, caption, width, height, thumb_key, display_key, placeholder, city_id)
     values ($1, 'ready', $2, 10, 10, $3, $3, 'x', (select id from cities where slug = $4)) returning id`,
    [owner.id, caption, blobKey(String(++photoSeq).padStart(64, 'b'), 'webp'), city],
  );
  await tagReadyPhoto(app.adapters.db, row!.id, caption);
  return row!.id;
}

async function clean(): Promise<void> {
  await app.adapters.db.query(`delete from blocks`);
  await app.adapters.db.query(`delete from follows`);
  await app.adapters.db.query(`update users set suspended_until = null`);
  // What this process remembers of the rows just deleted (as the events would make it forget).
  for (const a of [ann, bob, cat, dan]) for (const b of [ann, bob, cat, dan]) app.adapters.bus.publish(SESSIONS_STREAM, 'user.blocks', { a: a.id, b: b.id, blocked: false });
  await delay(20);
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('the block endpoints', () => {
  beforeEach(clean);

  test('PUT and DELETE are idempotent and say where the viewer stands', async () => {
    assert.deepEqual(await ok(await block(ann, bob.username)), { blocking: true });
    assert.deepEqual(await ok(await block(ann, bob.username)), { blocking: true });
    const rows = await app.adapters.db.query(`select 1 from blocks where blocker_id = $1 and blocked_id = $2`, [ann.id, bob.id]);
    assert.equal(rows.length, 1);
    assert.equal((await ok<Profile>(await req('GET', `/api/users/${bob.username}`, ann))).blocking, true);
    assert.equal((await ok<Profile>(await req('GET', `/api/users/${ann.username}`, bob))).blocking, false, 'bob does not block ann');
    assert.equal((await ok<Profile>(await req('GET', `/api/users/${bob.username}`))).blocking, false, 'signed out');
    assert.deepEqual(await ok(await unblock(ann, bob.username)), { blocking: false });
    assert.deepEqual(await ok(await unblock(ann, bob.username)), { blocking: false });
    assert.equal((await ok<Profile>(await req('GET', `/api/users/${bob.username}`, ann))).blocking, false);
  });

  test('refusals: signed out, oneself, nobody, a malformed name, cross-site, a flood', async () => {
    refused(await req('PUT', `/api/users/${bob.username}/block`), 401, 'UNAUTHENTICATED');
    refused(await req('GET', '/api/me/blocks'), 401, 'UNAUTHENTICATED');
    refused(await block(ann, ann.username), 400, 'SELF_BLOCK');
    refused(await block(ann, 'nobody_here'), 404, 'NOT_FOUND');
    refused(await unblock(ann, 'nobody_here'), 404, 'NOT_FOUND');
    refused(await block(ann, 'Not-A-Name'), 404, 'NOT_FOUND');
    refused(await block(ann, 'x'.repeat(101)), 400, 'VALIDATION');
    refused(await req('PUT', `/api/users/${bob.username}/block`, ann, undefined, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), 403, 'CSRF');
    assert.equal((await app.adapters.db.query(`select 1 from blocks`)).length, 0, 'nothing written');
    for (let i = 0; i < BLOCK_LIMITS.changesPerUser.limit; i++) await ok(i % 2 ? await unblock(ann, bob.username) : await block(ann, bob.username));
    refused(await block(ann, bob.username), 429, 'RATE_LIMITED');
  });

  test('GET /api/me/blocks lists whom the viewer blocked, newest first, in bounded pages', async () => {
    await ok(await block(ann, bob.username));
    await ok(await block(ann, cat.username));
    await ok(await block(ann, dan.username));
    await ok(await block(bob, ann.username)); // blocked by: not in ann's list
    const first = await ok<Page<BlockedUser>>(await req('GET', '/api/me/blocks?limit=2', ann));
    assert.deepEqual(first.items.map((b) => b.user.username), [dan.username, cat.username]);
    assert.ok(first.items.every((b) => !Number.isNaN(Date.parse(b.createdAt))));
    assert.ok(first.next);
    const second = await ok<Page<BlockedUser>>(await req('GET', `/api/me/blocks?limit=2&before=${first.next}`, ann));
    assert.deepEqual(second.items.map((b) => b.user.username), [bob.username]);
    assert.equal(second.next, null);
    assert.deepEqual((await ok<Page<BlockedUser>>(await req('GET', '/api/me/blocks', bob))).items.map((b) => b.user.username), [ann.username]);
    refused(await req('GET', '/api/me/blocks?limit=101', ann), 400, 'VALIDATION');
    refused(await req('GET', '/api/me/blocks?before=bm9wZQ', ann), 400, 'VALIDATION');
    const forged = Buffer.from(JSON.stringify({ at: '99999999999999999', id: '1' })).toString('base64url');
    assert.deepEqual((await ok<Page<BlockedUser>>(await req('GET', `/api/me/blocks?before=${forged}`, ann))).items.length, 3);
    const bad = Buffer.from(JSON.stringify({ at: "1' or 1=1", id: '1' })).toString('base64url');
    refused(await req('GET', `/api/me/blocks?before=${bad}`, ann), 400, 'VALIDATION');
  });

  test('a block ends the follows both ways, pushes the counts, and tells both users and every instance', async () => {
    const bobPhoto = await photoOf(bob);
    await ok(await req('PUT', `/api/users/${bob.username}/follow`, ann)); // the backfill puts bob's photo in ann's home
    await ok(await req('PUT', `/api/users/${ann.username}/follow`, bob));
    assert.ok(ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/home', ann))).items).includes(bobPhoto));
    published.length = 0;
    await ok(await block(bob, ann.username));
    const counts = async (u: User) => (await ok<Profile>(await req('GET', `/api/users/${u.username}`))).counts;
    assert.deepEqual({ ...(await counts(ann)), photos: 0 }, { photos: 0, followers: 0, following: 0 });
    assert.deepEqual({ ...(await counts(bob)), photos: 0 }, { photos: 0, followers: 0, following: 0 });
    assert.ok(!ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/home', ann))).items).includes(bobPhoto), "bob's photos left ann's home");
    const of = (stream: string, type: string) => published.filter((e) => e.stream === stream && e.type === type);
    assert.deepEqual(of(SESSIONS_STREAM, 'user.blocks').map((e) => e.data), [{ a: bob.id, b: ann.id, blocked: true }]);
    assert.deepEqual(of(`user:${ann.id}`, 'block.changed').map((e) => e.data), [{ userId: bob.id, username: bob.username, blocked: true }]);
    assert.deepEqual(of(`user:${bob.id}`, 'block.changed').map((e) => e.data), [{ userId: ann.id, username: ann.username, blocked: true }]);
    const pushed = of(`profile:${ann.username}`, 'profile.counts').at(-1)?.data as { counts: { followers: number; following: number } };
    assert.deepEqual([pushed.counts.followers, pushed.counts.following], [0, 0]);
    assert.equal(of(`profile:${bob.username}`, 'profile.counts').length, 1);

    // Lifting one side of a mutual block leaves the pair blocked: both are told it still stands.
    await ok(await block(ann, bob.username));
    published.length = 0;
    await ok(await unblock(bob, ann.username));
    assert.deepEqual(of(`user:${ann.id}`, 'block.changed').map((e) => e.data), [{ userId: bob.id, username: bob.username, blocked: true }]);
    refused(await req('GET', `/api/photos/${bobPhoto}`, ann), 404, 'NOT_FOUND');
    refused(await req('PUT', `/api/users/${ann.username}/follow`, bob), 403, 'BLOCKED');
    await ok(await unblock(ann, bob.username));
    assert.deepEqual(of(`user:${bob.id}`, 'block.changed').at(-1)?.data, { userId: ann.id, username: ann.username, blocked: false });
    // A repeat changes nothing and announces nothing.
    published.length = 0;
    await ok(await unblock(ann, bob.username));
    assert.equal(published.length, 0);
  });
});

describe('BLOCKED, both ways', () => {
  beforeEach(clean);

  test('follow, unfollow, like, unlike and comment are refused between a blocked pair', async () => {
    const annPhoto = await photoOf(ann);
    const bobPhoto = await photoOf(bob);
    await ok(await block(ann, bob.username));
    for (const [who, other, photo] of [
      [ann, bob, bobPhoto],
      [bob, ann, annPhoto],
    ] as const) {
      refused(await req('PUT', `/api/users/${other.username}/follow`, who), 403, 'BLOCKED');
      refused(await req('DELETE', `/api/users/${other.username}/follow`, who), 403, 'BLOCKED');
      refused(await req('PUT', `/api/photos/${photo}/like`, who), 403, 'BLOCKED');
      refused(await req('DELETE', `/api/photos/${photo}/like`, who), 403, 'BLOCKED');
      refused(await req('POST', `/api/photos/${photo}/comments`, who, { text: 'hi', clientId: `c-${who.id}` }), 403, 'BLOCKED');
    }
    assert.equal((await app.adapters.db.query(`select 1 from follows union all select 1 from likes union all select 1 from comments`)).length, 0, 'nothing written');
    // Others are unaffected, and so is the pair once the block is lifted.
    await ok(await req('PUT', `/api/photos/${bobPhoto}/like`, cat));
    await ok(await unblock(ann, bob.username));
    await ok(await req('PUT', `/api/users/${bob.username}/follow`, ann));
    await ok(await req('POST', `/api/photos/${bobPhoto}/comments`, ann, { text: 'hello again', clientId: 'again' }), 201);
  });

  test('a mention between a blocked pair notifies nobody', async () => {
    await app.adapters.db.query(`delete from notifications`);
    const catPhoto = await photoOf(cat);
    const annPhoto = await photoOf(ann);
    await ok(await block(ann, bob.username));
    // bob mentions ann under cat's photo; cat mentions bob under ann's photo (ann blocked bob).
    const byBob = await ok<{ comment: Comment }>(await req('POST', `/api/photos/${catPhoto}/comments`, bob, { text: `look @${ann.username} @${dan.username}`, clientId: 'm1' }), 201);
    const byCat = await ok<{ comment: Comment }>(await req('POST', `/api/photos/${annPhoto}/comments`, cat, { text: `hey @${bob.username}`, clientId: 'm2' }), 201);
    await notifyComment(app.adapters.db, byBob.comment.id); // as the job does; it may have run already
    await notifyComment(app.adapters.db, byCat.comment.id);
    await jobsSettled(app);
    const mentions = await app.adapters.db.query<{ user_id: string; actor_id: string }>(
      `select user_id::text, actor_id::text from notifications where type = 'mention' order by user_id`,
    );
    assert.deepEqual(mentions, [{ user_id: dan.id, actor_id: bob.id }], 'dan only: not ann (blocked bob), not bob (on a photo of ann, who blocked him)');
  });
});

describe('reads leave a blocked pair out', () => {
  beforeEach(clean);

  test('feeds, with full pages and cursors that stay right', async () => {
    const made: { id: string; owner: User }[] = [];
    for (let i = 0; i < 6; i++) {
      const owner = i % 2 ? bob : cat;
      made.push({ id: await photoOf(owner, `#blkwall ${i}`, 'paris-fr'), owner });
    }
    await ok(await req('PUT', `/api/users/${bob.username}/follow`, dan)); // dan's home has bob's photos
    await ok(await block(dan, bob.username));
    const cats = made.filter((m) => m.owner === cat).map((m) => m.id).reverse();
    for (const path of ['/api/feeds/latest', '/api/feeds/city/paris-fr', '/api/feeds/tag/blkwall']) {
      const firstPage = await ok<Page<Photo>>(await req('GET', `${path}?limit=2`, dan));
      assert.deepEqual(ids(firstPage.items), cats.slice(0, 2), `${path}: a full page without bob's`);
      const rest = await ok<Page<Photo>>(await req('GET', `${path}?limit=2&before=${firstPage.next}`, dan));
      assert.ok(ids(rest.items).includes(cats[2]!), path);
      assert.ok(!rest.items.some((p) => p.owner.id === bob.id), path);
      // Everyone else still sees bob's photos, signed in or not.
      assert.ok((await ok<Page<Photo>>(await req('GET', `${path}?limit=6`, ann))).items.some((p) => p.owner.id === bob.id), path);
      assert.ok((await ok<Page<Photo>>(await req('GET', `${path}?limit=6`))).items.some((p) => p.owner.id === bob.id), path);
    }
    // Both ways: bob sees none of dan's.
    const danPhoto = await photoOf(dan);
    assert.ok(!ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/latest', bob))).items).includes(danPhoto));
    assert.equal((await ok<Page<Photo>>(await req('GET', `/api/users/${dan.username}/photos`, bob))).items.length, 0);
    assert.equal((await ok<Page<Photo>>(await req('GET', `/api/users/${bob.username}/photos`, dan))).items.length, 0);
    assert.ok((await ok<Page<Photo>>(await req('GET', `/api/users/${bob.username}/photos`, ann))).items.length >= 3);
    // A single photo is not found, and so is its comment list.
    const bobPhoto = made.find((m) => m.owner === bob)!.id;
    refused(await req('GET', `/api/photos/${bobPhoto}`, dan), 404, 'NOT_FOUND');
    refused(await req('GET', `/api/photos/${bobPhoto}/comments`, dan), 404, 'NOT_FOUND');
    refused(await req('GET', `/api/photos/${danPhoto}`, bob), 404, 'NOT_FOUND');
    await ok(await req('GET', `/api/photos/${bobPhoto}`, ann));
    await ok(await req('GET', `/api/photos/${bobPhoto}`));
  });

  test('comments, chat history and presence, search and notifications', async () => {
    const catPhoto = await photoOf(cat);
    await ok(await req('POST', `/api/photos/${catPhoto}/comments`, bob, { text: 'from bob', clientId: 'r1' }), 201);
    await ok(await req('POST', `/api/photos/${catPhoto}/comments`, ann, { text: 'from ann', clientId: 'r2' }), 201);
    await ok(await req('PUT', `/api/users/${ann.username}/follow`, bob)); // a notification to ann from bob
    await jobsSettled(app);
    await app.adapters.db.query(`insert into chat_messages (room, user_id, client_id, kind, body) values ('lobby', $1, 'h1', 'text', 'bob says'), ('lobby', $2, 'h2', 'text', 'cat says')`, [
      bob.id,
      cat.id,
    ]);
    for (const u of [bob, cat]) await app.adapters.presence.join('lobby', { id: u.id, username: u.username }, `conn-${u.id}`);
    await ok(await block(ann, bob.username));

    const comments = await ok<Page<Comment>>(await req('GET', `/api/photos/${catPhoto}/comments`, ann));
    assert.deepEqual(comments.items.map((c) => c.text), ['from ann']);
    assert.deepEqual((await ok<Page<Comment>>(await req('GET', `/api/photos/${catPhoto}/comments`, cat))).items.length, 2);
    const history = await ok<Page<ChatMessage>>(await req('GET', '/api/chat/rooms/lobby/messages', ann));
    assert.ok(!history.items.some((m) => m.user.id === bob.id) && history.items.some((m) => m.user.id === cat.id));
    assert.ok((await ok<Page<ChatMessage>>(await req('GET', '/api/chat/rooms/lobby/messages', cat))).items.some((m) => m.user.id === bob.id));
    const present = await ok<{ items: PublicUser[] }>(await req('GET', '/api/chat/rooms/lobby/presence', ann));
    assert.deepEqual(ids(present.items).sort(), [cat.id]);
    assert.deepEqual(ids((await ok<{ items: PublicUser[] }>(await req('GET', '/api/chat/rooms/lobby/presence', dan))).items).sort(), [bob.id, cat.id].sort());
    const search = async (who?: User) => ok<SearchResults>(await req('GET', '/api/search?q=%40blk_', who));
    assert.ok(!ids((await search(ann)).users).includes(bob.id));
    assert.ok(!ids((await search(bob)).users).includes(ann.id));
    assert.ok(ids((await search(cat)).users).includes(bob.id));
    const notes = await ok<Page<Notification>>(await req('GET', '/api/notifications', ann));
    assert.ok(!notes.items.some((n) => n.actor?.id === bob.id), 'the follow notification from bob is gone from the list');
    for (const u of [bob, cat]) await app.adapters.presence.leave('lobby', u.id, `conn-${u.id}`);
  });
});

describe('suspended users are hidden from others', () => {
  beforeEach(clean);

  async function suspend(user: User, until: Date | null): Promise<void> {
    await app.adapters.db.query(`update users set suspended_until = $2 where id = $1`, [user.id, until ?? 'infinity']);
    await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: user.id, until: until?.toISOString() ?? null, lifted: false });
  }
  async function lift(user: User): Promise<void> {
    await app.adapters.db.query(`update users set suspended_until = null where id = $1`, [user.id]);
    await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: user.id, until: null, lifted: true });
  }

  test('their photos, comments and messages leave every read until it is lifted', async () => {
    const catPhoto = await photoOf(cat);
    const danPhoto = await photoOf(dan);
    await ok(await req('POST', `/api/photos/${catPhoto}/comments`, dan, { text: 'dan was here', clientId: 's1' }), 201);
    await app.adapters.db.query(`insert into chat_messages (room, user_id, client_id, kind, body) values ('lobby', $1, 's2', 'text', 'dan chats')`, [dan.id]);
    await suspend(dan, null);
    for (const who of [null, ann, cat]) {
      const latest = await ok<Page<Photo>>(await req('GET', '/api/feeds/latest', who));
      assert.ok(!ids(latest.items).includes(danPhoto), `latest for ${who?.username ?? 'a signed-out reader'}`);
      assert.ok(ids(latest.items).includes(catPhoto));
      refused(await req('GET', `/api/photos/${danPhoto}`, who), 404, 'NOT_FOUND');
      assert.ok(!(await ok<Page<Comment>>(await req('GET', `/api/photos/${catPhoto}/comments`, who))).items.some((c) => c.user.id === dan.id));
      assert.ok(!ids((await ok<SearchResults>(await req('GET', '/api/search?q=%40blk_dan', who))).users).includes(dan.id));
    }
    assert.ok(!(await ok<Page<ChatMessage>>(await req('GET', '/api/chat/rooms/lobby/messages', ann))).items.some((m) => m.user.id === dan.id));
    refused(await req('POST', `/api/photos/${danPhoto}/comments`, ann, { text: 'hm', clientId: 's3' }), 404, 'NOT_FOUND');
    refused(await req('PUT', `/api/photos/${danPhoto}/like`, ann), 404, 'NOT_FOUND');

    await lift(dan);
    assert.ok(ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/latest'))).items).includes(danPhoto), 'lifted: back on the wall');
    await ok(await req('GET', `/api/photos/${danPhoto}`, ann));
    assert.ok((await ok<Page<Comment>>(await req('GET', `/api/photos/${catPhoto}/comments`, ann))).items.some((c) => c.user.id === dan.id));
  });

  test('a suspension ends by itself at its time', async () => {
    const danPhoto = await photoOf(dan);
    await suspend(dan, new Date(Date.now() + 1_500));
    assert.ok(!ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/latest'))).items).includes(danPhoto));
    await delay(1_700);
    assert.ok(ids((await ok<Page<Photo>>(await req('GET', '/api/feeds/latest'))).items).includes(danPhoto));
  });
});
