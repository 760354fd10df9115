// Private messages end to end in embedded mode, with real socket.io clients: a message sent over
// `dm:send` reaches the other member live on dm:<id> with their unread count on `user`, a read
// marker reaches the sender as `dm.read`; a member whose socket drops resumes with `since` and gets
// exactly the messages it missed, once, in order (also while messages keep coming during the drop);
// a non-member and a blocked member are refused the stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Conversation, DirectMessage } from '../../src/shared/community.js';
import { compareOffsets, type Envelope, type SubscribeAck } from '../../src/shared/realtime.js';
import { call, expectStatus, photoServer, signUp, type Session } from '../helpers/photos.js';
import { ResumingClient } from '../helpers/resuming-client.js';
import type { TestSocket } from '../helpers/sockets.js';

let ann: Session;
let bob: Session;
let cat: Session;
const server = photoServer(async ({ url }) => {
  ann = await signUp(url, 'dm_e2e_ann');
  bob = await signUp(url, 'dm_e2e_bob');
  cat = await signUp(url, 'dm_e2e_cat');
});

async function conversation(a: Session, b: Session): Promise<Conversation> {
  const res = await call<{ conversation: Conversation }>(server.url, 'POST', '/api/conversations', { cookie: a.cookie, json: { username: b.username } });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return res.body.conversation;
}

function open(user: Session, ...streams: string[]): Promise<TestSocket> {
  return server.sockets.open(user.cookie, ...streams);
}

let seq = 0;
async function sendOver(s: TestSocket, conversationId: string, text: string): Promise<DirectMessage> {
  const ack = await s.socket.emitWithAck('dm:send', { conversationId, text, clientId: `e2e-${++seq}` });
  assert.ok(ack.ok, JSON.stringify(ack));
  return ack.message;
}

const dmTexts = (events: Envelope[]) => events.filter((e) => e.type === 'dm.message').map((e) => (e.data as DirectMessage).text);

describe('private messages with real sockets', () => {
  test('live: the message on dm:<id>, the count on `user`, the read marker back to the sender', async () => {
    const c = await conversation(ann, bob);
    const annS = await open(ann, `dm:${c.id}`);
    const bobS = await open(bob, `dm:${c.id}`, 'user');
    const m = await sendOver(annS, c.id, 'hello over the socket');
    await bobS.waitFor((evs) => dmTexts(evs).includes('hello over the socket'));
    await bobS.waitFor((evs) => evs.some((e) => e.type === 'dm.unread' && (e.data as { unread: number }).unread === 1));
    const unread = bobS.events.find((e) => e.type === 'dm.unread')!;
    assert.deepEqual(unread.data, { conversationId: c.id, unread: 1, total: 1 });
    assert.equal(unread.stream, 'user');
    // The sender's own socket gets it too (another tab of theirs would show it).
    await annS.waitFor((evs) => dmTexts(evs).includes('hello over the socket'));

    expectStatus(await call(server.url, 'POST', `/api/conversations/${c.id}/read`, { cookie: bob.cookie, json: { upTo: m.id } }), 200);
    await annS.waitFor((evs) => evs.some((e) => e.type === 'dm.read'));
    assert.deepEqual(annS.events.find((e) => e.type === 'dm.read')!.data, { conversationId: c.id, userId: bob.id, readUpTo: m.id });
    await bobS.waitFor((evs) => evs.some((e) => e.type === 'dm.unread' && (e.data as { unread: number }).unread === 0));
  });

  test('a dropped member resumes with `since` and gets exactly the messages it missed', async () => {
    const c = await conversation(cat, bob);
    const catS = await open(cat);
    const bob1 = await open(bob, `dm:${c.id}`);
    for (const text of ['one', 'two']) await sendOver(catS, c.id, text);
    await bob1.waitFor((evs) => dmTexts(evs).length === 2);
    const since = bob1.events.at(-1)!.offset;
    bob1.socket.disconnect();

    for (const text of ['three', 'four', 'five']) await sendOver(catS, c.id, text);

    const bob2 = await open(bob);
    const ack = (await bob2.socket.emitWithAck('subscribe', { stream: `dm:${c.id}`, since })) as SubscribeAck;
    assert.ok(ack.ok && ack.recovered, JSON.stringify(ack));
    assert.deepEqual(dmTexts(ack.missed), ['three', 'four', 'five']);
    for (let i = 1; i < ack.missed.length; i++) assert.ok(compareOffsets(ack.missed[i]!.offset, ack.missed[i - 1]!.offset) > 0);
    await sendOver(catS, c.id, 'six');
    await bob2.waitFor((evs) => dmTexts(evs).includes('six'));
    await delay(100);
    assert.deepEqual(dmTexts(bob2.events), ['six'], 'nothing replayed is sent again live');
  });

  test('transport drops during a stream of messages: every message once, in order', async (t) => {
    const dan = await signUp(server.url, 'dm_e2e_dan');
    const c = await conversation(dan, bob);
    const reader = new ResumingClient(server.url, [`dm:${c.id}`, 'user'], bob.cookie);
    t.after(() => reader.close());
    await reader.ready();
    const danS = await open(dan);
    const sent: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < 18; i++) {
        sent.push((await sendOver(danS, c.id, `burst ${i}`)).id);
        await delay(40);
      }
    })();
    // Two lost transports while it flows: socket.io-client reconnects by itself and resubscribes with `since`.
    await delay(150);
    reader.socket.io.engine.close();
    await delay(250);
    reader.socket.io.engine.close();
    await sending;
    const log = reader.streams.get(`dm:${c.id}`)!;
    await reader.until(() => log.events.filter((e) => e.type === 'dm.message').length >= sent.length, 10_000, 'every message');
    await delay(100);
    assert.ok(reader.drops.length >= 2, `dropped ${reader.drops.length} times`);
    assert.deepEqual(
      log.events.filter((e) => e.type === 'dm.message').map((e) => (e.data as DirectMessage).id),
      sent,
      'each message once, in order',
    );
    for (let k = 1; k < log.events.length; k++) assert.ok(compareOffsets(log.events[k - 1]!.offset, log.events[k]!.offset) < 0, 'strictly increasing offsets');
    for (const ack of log.acks.slice(1)) assert.ok(ack.ok && ack.recovered, JSON.stringify(ack).slice(0, 200));
  });

  test('a non-member and a blocked member are refused the stream', async () => {
    const c = await conversation(ann, cat);
    const bobS = await open(bob);
    const ack = (await bobS.socket.emitWithAck('subscribe', { stream: `dm:${c.id}` })) as SubscribeAck;
    assert.deepEqual(ack.ok ? 'OK' : ack.error.code, 'FORBIDDEN');
    expectStatus(await call(server.url, 'PUT', `/api/users/${ann.username}/block`, { cookie: cat.cookie }), 200);
    const annS = await open(ann);
    const blocked = (await annS.socket.emitWithAck('subscribe', { stream: `dm:${c.id}` })) as SubscribeAck;
    assert.deepEqual(blocked.ok ? 'OK' : blocked.error.code, 'FORBIDDEN');
    const refused = await annS.socket.emitWithAck('dm:send', { conversationId: c.id, text: 'hi', clientId: 'blocked-1' });
    assert.deepEqual(refused.ok ? 'OK' : refused.error.code, 'BLOCKED');
  });
});
