// Reports and moderation end to end in embedded mode, with real socket.io clients: a report reaches
// a staff socket on `moderation` live (a member is FORBIDDEN there, a visitor UNAUTHENTICATED); a
// removal takes the photo off an open latest wall and a chat message out of an open room, and the
// queue's sockets see the reports leave; a suspension ends the user's open sockets within a second,
// and their old cookie opens nothing afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Photo } from '../../src/shared/api.js';
import type { ModerationItem } from '../../src/shared/community.js';
import type { ChatSendAck, SubscribeAck } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import { call, deletedEvent, expectStatus, photoServer, readyPhoto, signUp, uploadOk, type Session } from '../helpers/photos.js';
import { connect } from '../helpers/sockets.js';

let ann: Session;
let bob: Session;
let mod: Session;
const server = photoServer(async ({ url, app }) => {
  ann = await signUp(url, 'mod_e2e_ann');
  bob = await signUp(url, 'mod_e2e_bob');
  mod = await signUp(url, 'mod_e2e_mod');
  await app.adapters.db.query(`update users set is_moderator = true where id = $1`, [mod.id]);
});

async function upload(owner: Session, caption: string): Promise<Photo> {
  const accepted = await uploadOk(server.url, owner.cookie, { file: await makeJpeg({ width: 40, height: 30 }), caption });
  return readyPhoto(server.url, accepted.id, owner.cookie);
}

const report = (who: Session, type: string, id: string) => call<{ report: { id: string } }>(server.url, 'POST', '/api/reports', { cookie: who.cookie, json: { target: { type, id }, reason: 'spam' } });

async function trySubscribe(cookie: string | undefined, stream: string): Promise<SubscribeAck> {
  const s = await server.sockets.open(cookie);
  return s.socket.timeout(5_000).emitWithAck('subscribe', { stream });
}

test('a report reaches the staff sockets on `moderation` live; members and visitors cannot watch it', { timeout: 60_000 }, async () => {
  const staff = await server.sockets.open(mod.cookie, 'moderation');
  const admin = await server.sockets.open(server.admin.cookie, 'moderation');
  const member = await trySubscribe(ann.cookie, 'moderation');
  assert.ok(!member.ok && member.error.code === 'FORBIDDEN', JSON.stringify(member));
  const visitor = await trySubscribe(undefined, 'moderation');
  assert.ok(!visitor.ok && visitor.error.code === 'UNAUTHENTICATED', JSON.stringify(visitor));

  const photo = await upload(bob, 'report me');
  const sent = Date.now();
  const res = await report(ann, 'photo', photo.id);
  expectStatus(res, 201);
  for (const s of [staff, admin]) {
    await s.waitFor((evs) => evs.some((e) => e.type === 'report.created'), 2_000);
  }
  assert.ok(Date.now() - sent < 2_000);
  const item = staff.events.find((e) => e.type === 'report.created')!.data as ModerationItem;
  assert.equal(item.report.id, res.body.report.id);
  assert.equal(item.content.author?.username, bob.username);
  assert.equal(item.report.reporter?.username, ann.username);
  assert.equal(item.content.text, 'report me');
});

test('removing a photo takes it off an open latest wall and out of the queue, live', { timeout: 60_000 }, async () => {
  const photo = await upload(bob, 'to remove');
  const wall = await server.sockets.open(undefined, 'latest');
  const reporterWall = await server.sockets.open(ann.cookie, 'latest');
  const staff = await server.sockets.open(mod.cookie, 'moderation');
  const reported = await report(ann, 'photo', photo.id);
  expectStatus(reported, 201);
  const removed = await call(server.url, 'POST', `/api/moderation/reports/${reported.body.report.id}/remove`, { cookie: mod.cookie, json: { reason: 'Spam' } });
  expectStatus(removed, 200);
  await deletedEvent(wall, 'latest', photo.id, 2_000);
  await deletedEvent(reporterWall, 'latest', photo.id, 2_000);
  await staff.waitFor((evs) => evs.some((e) => e.type === 'report.resolved' && (e.data as { id: string }).id === reported.body.report.id), 2_000);
  expectStatus(await call(server.url, 'GET', `/api/photos/${photo.id}`), 404);
});

test('removing a chat message takes it out of an open room, live', { timeout: 30_000 }, async () => {
  const sender = await server.sockets.open(bob.cookie, 'chat:lobby');
  const reader = await server.sockets.open(ann.cookie, 'chat:lobby');
  const ack: ChatSendAck = await sender.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'buy cheap stuff', clientId: 'mod-e2e-1' });
  assert.ok(ack.ok, JSON.stringify(ack));
  const reported = await report(ann, 'message', ack.message.id);
  expectStatus(reported, 201);
  expectStatus(await call(server.url, 'POST', `/api/moderation/reports/${reported.body.report.id}/remove`, { cookie: mod.cookie, json: { reason: 'No ads' } }), 200);
  await reader.waitFor((evs) => evs.some((e) => e.type === 'chat.deleted' && (e.data as { id: string }).id === ack.message.id), 2_000);
  const history = await call<{ items: { id: string }[] }>(server.url, 'GET', '/api/chat/rooms/lobby/messages', { cookie: ann.cookie });
  assert.ok(!history.body.items.some((m) => m.id === ack.message.id));
});

test("a suspension ends the user's open sockets within a second, and the old cookie opens nothing", { timeout: 30_000 }, async () => {
  const victim = await signUp(server.url, 'mod_e2e_victim');
  const sockets = await Promise.all([server.sockets.open(victim.cookie, 'user'), server.sockets.open(victim.cookie, 'latest')]);
  const bystander = await server.sockets.open(ann.cookie, 'user');
  const ended = sockets.map((s) => new Promise<number>((resolve) => s.socket.once('disconnect', () => resolve(Date.now()))));
  const sent = Date.now();
  const res = await call(server.url, 'POST', `/api/moderation/users/${victim.username}/suspend`, { cookie: mod.cookie, json: { reason: 'Spam' } });
  expectStatus(res, 200);
  for (const at of await Promise.all(ended)) assert.ok(at - sent < 1_000, `ended after ${at - sent} ms`);
  assert.ok(bystander.socket.connected, 'nobody else is touched');

  expectStatus(await call(server.url, 'GET', '/api/me', { cookie: victim.cookie }), 401, 'UNAUTHENTICATED');
  const again = await connect(server.url, victim.cookie);
  try {
    const ack: SubscribeAck = await again.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'user' });
    assert.ok(!ack.ok && ack.error.code === 'UNAUTHENTICATED', JSON.stringify(ack));
  } finally {
    again.close();
  }
  const login = await call(server.url, 'POST', '/api/auth/login', { json: { username: victim.username, password: 'correct horse' } });
  expectStatus(login, 403, 'SUSPENDED');
});
