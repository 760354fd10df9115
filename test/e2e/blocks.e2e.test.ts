// Blocking end to end in embedded mode, with real socket.io clients: once ann blocks bob, nothing of
// bob's reaches ann's sockets (a new photo on latest and on bob's profile, a comment, a chat message,
// presence), live or in the replay after a drop, while everyone else still gets it; it works for a
// socket opened before the block and for one opened after it, both ways, and stops when the block is
// lifted; both get `block.changed`; a suspended user's events reach nobody. Also the HTTP refusals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { SESSIONS_STREAM } from '../../src/realtime/socket-sessions.js';
import type { ChatMessage, Photo } from '../../src/shared/api.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, photoServer, readyEvent, readyPhoto, signUp, subscribe, uploadOk, type Session } from '../helpers/photos.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

let ann: Session;
let bob: Session;
let cat: Session;
const server = photoServer(async ({ url }) => {
  ann = await signUp(url, 'blk_e2e_ann');
  bob = await signUp(url, 'blk_e2e_bob');
  cat = await signUp(url, 'blk_e2e_cat');
});

const block = (who: Session, whom: Session) => call(server.url, 'PUT', `/api/users/${whom.username}/block`, { cookie: who.cookie });
const unblock = (who: Session, whom: Session) => call(server.url, 'DELETE', `/api/users/${whom.username}/block`, { cookie: who.cookie });

/** Whether any event of `s` shows this user's content. */
function showsUser(s: TestSocket, userId: string): boolean {
  return s.events.some((e) => JSON.stringify(e.data).includes(`"id":"${userId}"`) && e.type !== 'block.changed');
}

async function upload(owner: Session, caption: string): Promise<Photo> {
  const accepted = await uploadOk(server.url, owner.cookie, { file: await makeJpeg({ width: 40, height: 30 }), caption });
  return readyPhoto(server.url, accepted.id, owner.cookie);
}

function photoReady(owner: Session, id: string): Photo {
  return {
    id,
    owner: { id: owner.id, username: owner.username, displayName: owner.username, bio: '', avatar: null },
    caption: '',
    city: null,
    status: 'ready',
    width: 1,
    height: 1,
    variants: null,
    placeholder: null,
    likes: 0,
    comments: 0,
    liked: false,
    failure: null,
    createdAt: new Date().toISOString(),
  };
}

describe('after a block', () => {
  test("a new photo by bob reaches other sockets on latest and bob's profile, never ann's, on a socket opened before the block or after it", { timeout: 60_000 }, async () => {
    const before = await server.sockets.open(ann.cookie, 'latest', `profile:${bob.username}`, 'user');
    const bobs = await server.sockets.open(bob.cookie, 'user');
    expectStatus(await block(ann, bob), 200);
    // Both hear of it on their `user` stream, each with the other's id and name.
    await before.waitFor((evs) => evs.some((e) => e.type === 'block.changed'));
    await bobs.waitFor((evs) => evs.some((e) => e.type === 'block.changed'));
    assert.deepEqual(before.events.find((e) => e.type === 'block.changed')!.data, { userId: bob.id, username: bob.username, blocked: true });
    assert.deepEqual(bobs.events.find((e) => e.type === 'block.changed')!.data, { userId: ann.id, username: ann.username, blocked: true });

    const after = await server.sockets.open(ann.cookie, 'latest', `profile:${bob.username}`);
    const others = await server.sockets.open(cat.cookie, 'latest', `profile:${bob.username}`);
    const anonymous = await server.sockets.open(undefined, 'latest');
    const photo = await upload(bob, 'after the block');
    await readyEvent(others, 'latest', photo.id);
    await readyEvent(others, `profile:${bob.username}`, photo.id);
    await readyEvent(anonymous, 'latest', photo.id);
    // A photo of cat's, published after bob's, reaches ann: by then bob's would have too.
    const catPhoto = await upload(cat, 'a later one');
    await readyEvent(before, 'latest', catPhoto.id);
    await readyEvent(after, 'latest', catPhoto.id);
    await delay(100);
    assert.ok(!showsUser(before, bob.id), JSON.stringify(before.events.map((e) => e.type)));
    assert.ok(!showsUser(after, bob.id));

    // The reverse: bob never sees ann's either.
    const bobWall = await server.sockets.open(bob.cookie, 'latest');
    const annPhoto = await upload(ann, 'by ann');
    await readyEvent(others, 'latest', annPhoto.id);
    const catSecond = await upload(cat, 'another');
    await readyEvent(bobWall, 'latest', catSecond.id);
    assert.ok(!showsUser(bobWall, ann.id));
    expectStatus(await unblock(ann, bob), 200);
  });

  test("a replay after a drop leaves bob's events out, and the socket resumes past them", { timeout: 60_000 }, async () => {
    expectStatus(await block(ann, bob), 200);
    const first = await server.sockets.open(ann.cookie);
    const ack0 = await subscribe(first, 'latest');
    const watcher = await server.sockets.open(cat.cookie, 'latest');
    const marker = photoReady(cat, '900000001');
    await server.app.adapters.bus.publish('latest', 'photo.ready', { photo: marker });
    await first.waitFor((evs) => evs.some((e) => e.type === 'photo.ready'));
    const since = first.events.at(-1)?.offset ?? ack0.head;
    first.close();

    // While ann is away: bob's photo, then cat's.
    await server.app.adapters.bus.publish('latest', 'photo.ready', { photo: photoReady(bob, '900000002') });
    await server.app.adapters.bus.publish('latest', 'photo.ready', { photo: photoReady(cat, '900000003') });
    await watcher.waitFor((evs) => evs.filter((e) => e.type === 'photo.ready').length >= 3);

    const back = await connect(server.url, ann.cookie);
    try {
      const ack: SubscribeAck = await back.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'latest', since });
      assert.ok(ack.ok && ack.recovered, JSON.stringify(ack));
      assert.deepEqual(
        ack.missed.map((e) => (e.data as { photo: Photo }).photo.id),
        ['900000003'],
        "cat's only: bob's is not replayed",
      );
      assert.ok(ack.head && ack.missed.at(-1)!.offset === ack.head);
      // Live again, and still without bob's.
      await server.app.adapters.bus.publish('latest', 'photo.ready', { photo: photoReady(bob, '900000004') });
      await server.app.adapters.bus.publish('latest', 'photo.ready', { photo: photoReady(cat, '900000005') });
      await back.waitFor((evs) => evs.some((e) => (e.data as { photo?: Photo }).photo?.id === '900000005'));
      assert.ok(!showsUser(back, bob.id));
    } finally {
      back.close();
      expectStatus(await unblock(ann, bob), 200);
    }
  });

  test("bob's comments, chat messages and presence never reach ann; lifting the block lets them through again", { timeout: 60_000 }, async () => {
    const photo = await upload(cat, 'for comments');
    const stream = `photo:${photo.id}`;
    const annSocket = await server.sockets.open(ann.cookie, stream, 'chat:lobby');
    const catSocket = await server.sockets.open(cat.cookie, stream, 'chat:lobby');
    expectStatus(await block(bob, ann), 200); // bob blocks this time: it hides both ways
    await delay(50);

    const bobSocket = await server.sockets.open(bob.cookie, 'chat:lobby'); // joins: presence
    expectStatus(await call(server.url, 'POST', `/api/photos/${photo.id}/comments`, { cookie: bob.cookie, json: { text: 'bob comments', clientId: 'b1' } }), 201);
    const sent = await bobSocket.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'bob chats', clientId: 'b2' });
    assert.ok(sent.ok, JSON.stringify(sent));
    await catSocket.waitFor((evs) => ['comment.created', 'chat.message', 'presence.joined'].every((t) => evs.some((e) => e.type === t && showsUserIn(e, bob.id))));
    // Then something from cat, which ann does get, after bob's.
    const catSent = await catSocket.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'cat chats', clientId: 'c1' });
    assert.ok(catSent.ok);
    await annSocket.waitFor((evs) => evs.some((e) => e.type === 'chat.message' && (e.data as ChatMessage).text === 'cat chats'));
    assert.ok(!showsUser(annSocket, bob.id), JSON.stringify(annSocket.events));

    // Lifted: bob's next message reaches ann.
    expectStatus(await unblock(bob, ann), 200);
    await delay(50);
    const again = await bobSocket.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'bob again', clientId: 'b3' });
    assert.ok(again.ok);
    await annSocket.waitFor((evs) => evs.some((e) => e.type === 'chat.message' && (e.data as ChatMessage).text === 'bob again'));
    bobSocket.close();
  });

  test('a blocked user cannot comment, follow or like (403 BLOCKED), and unblocking lets them', async () => {
    const photo = await upload(ann, 'ann only');
    expectStatus(await block(ann, bob), 200);
    expectStatus(await call(server.url, 'POST', `/api/photos/${photo.id}/comments`, { cookie: bob.cookie, json: { text: 'hi', clientId: 'x1' } }), 403, 'BLOCKED');
    expectStatus(await call(server.url, 'PUT', `/api/users/${ann.username}/follow`, { cookie: bob.cookie }), 403, 'BLOCKED');
    expectStatus(await call(server.url, 'PUT', `/api/photos/${photo.id}/like`, { cookie: bob.cookie }), 403, 'BLOCKED');
    expectStatus(await call(server.url, 'GET', `/api/photos/${photo.id}`, { cookie: bob.cookie }), 404, 'NOT_FOUND');
    // Nor watch the photo's stream.
    const bobSocket = await server.sockets.open(bob.cookie);
    const refused: SubscribeAck = await bobSocket.socket.timeout(5_000).emitWithAck('subscribe', { stream: `photo:${photo.id}` });
    assert.ok(!refused.ok && refused.error.code === 'NOT_FOUND', JSON.stringify(refused));
    expectStatus(await unblock(ann, bob), 200);
    expectStatus(await call(server.url, 'PUT', `/api/photos/${photo.id}/like`, { cookie: bob.cookie }), 200);
  });
});

test("a suspended user's events reach nobody, live or replayed, until it is lifted", { timeout: 30_000 }, async () => {
  const dan = await signUp(server.url, 'blk_e2e_dan');
  const anonymous = await server.sockets.open(undefined, 'latest');
  const member = await server.sockets.open(cat.cookie, 'latest');
  const { bus, db } = server.app.adapters;
  await db.query(`update users set suspended_until = 'infinity' where id = $1`, [dan.id]);
  await bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: dan.id, until: null, lifted: false });
  await delay(20);
  const since = (await bus.publish('latest', 'photo.ready', { photo: photoReady(cat, '910000001') })).offset;
  await bus.publish('latest', 'photo.ready', { photo: photoReady(dan, '910000002') });
  await bus.publish('latest', 'photo.ready', { photo: photoReady(cat, '910000003') });
  for (const s of [anonymous, member]) await s.waitFor((evs) => evs.some((e) => (e.data as { photo?: Photo }).photo?.id === '910000003'));
  assert.ok(!showsUser(anonymous, dan.id) && !showsUser(member, dan.id));
  const late = await connect(server.url);
  try {
    const ack: SubscribeAck = await late.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'latest', since });
    assert.ok(ack.ok && ack.recovered);
    assert.deepEqual(ack.missed.map((e: Envelope) => (e.data as { photo: Photo }).photo.id), ['910000003']);
  } finally {
    late.close();
  }
  await db.query(`update users set suspended_until = null where id = $1`, [dan.id]);
  await bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: dan.id, until: null, lifted: true });
  await delay(20);
  await bus.publish('latest', 'photo.ready', { photo: photoReady(dan, '910000004') });
  await anonymous.waitFor((evs) => evs.some((e) => (e.data as { photo?: Photo }).photo?.id === '910000004'));
});

function showsUserIn(e: Envelope, userId: string): boolean {
  return JSON.stringify(e.data).includes(`"id":"${userId}"`);
}
