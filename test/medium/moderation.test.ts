// Reports and moderation over HTTP (in process, app.inject): reporting and its refusals (signed out,
// a target that does not exist or is not visible, one's own, a flood), one open report per reporter
// and target even when requests race, the staff's rights on every endpoint, the queue and its pages,
// and each action's effects: dismiss, remove (photo, comment, chat message: gone, announced where it
// showed, the author notified, the audit row), suspend (sessions gone, the internal event, reports
// resolved, the role rules) and lift, and the audit log.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { registerModerationStreams } from '../../src/features/moderation/moderation.streams.js';
import { REPORT_LIMITS } from '../../src/features/moderation/reports.service.js';
import { blobKey } from '../../src/ports/blobs.js';
import { SESSIONS_STREAM } from '../../src/realtime/socket-sessions.js';
import { StreamRegistry } from '../../src/realtime/streams.js';
import type { ChatMessage, Page } from '../../src/shared/api.js';
import type { ModerationAction, ModerationItem, ModerationResult, Report } from '../../src/shared/community.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';
import { jobsSettled } from '../helpers/photos.js';

interface User {
  cookie: string;
  id: string;
  username: string;
}

let app: TestApp;
let admin: User;
let mod: User;
let mod2: User;
let ann: User;
let bob: User;
let cat: User;
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
  admin = await user('mod_admin'); // the first account takes the admin seat
  mod = await user('mod_mod');
  mod2 = await user('mod_mod2');
  ann = await user('mod_ann');
  bob = await user('mod_bob');
  cat = await user('mod_cat');
  await app.adapters.db.query(`update users set is_moderator = true where id = any($1::bigint[])`, [[mod.id, mod2.id]]);
});

beforeEach(async () => {
  for (const u of [admin, mod, mod2, ann, bob, cat]) {
    await app.adapters.limiter.reset(`reports:${u.id}`);
    await app.adapters.limiter.reset(`moderation:${u.id}`);
  }
  await app.adapters.db.query(`delete from reports`);
  await app.adapters.db.query(`delete from moderation_actions`);
  published.length = 0;
});

test.after(() => app.close());

function req(method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, user?: User | null, payload?: object) {
  return app.app.inject({ method, url, headers: user ? { cookie: user.cookie } : {}, ...(payload ? { payload } : {}) });
}
function ok<T>(res: { statusCode: number; body: string; json(): unknown }, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  return res.json() as T;
}
function refused(res: { statusCode: number; body: string; json(): unknown }, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal((res.json() as { error: { code: string } }).error.code, code, res.body);
}

const report = (who: User | null, type: string, id: string, reason = 'spam', note?: string) =>
  req('POST', '/api/reports', who, { target: { type, id }, reason, ...(note === undefined ? {} : { note }) });
const reportOk = async (who: User, type: string, id: string, reason = 'spam') => (await ok<{ report: Report }>(await report(who, type, id, reason), 201)).report;
const queue = async (who: User, query = '') => ok<Page<ModerationItem>>(await req('GET', `/api/moderation/reports${query}`, who));
// Without a reason, without a body at all (a reason is optional).
const dismiss = (who: User, id: string, reason?: string) => req('POST', `/api/moderation/reports/${id}/dismiss`, who, reason === undefined ? undefined : { reason });
const remove = (who: User, id: string, reason = 'Against the rules') => req('POST', `/api/moderation/reports/${id}/remove`, who, { reason });
const suspend = (who: User, username: string, body: object) => req('POST', `/api/moderation/users/${username}/suspend`, who, body);
const lift = (who: User, username: string) => req('DELETE', `/api/moderation/users/${username}/suspend`, who);

let seq = 0;
async function photoOf(owner: User, caption = 'a photo', status = 'ready'): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into photos (owner_id, status, caption, width, height, thumb_key, display_key, placeholder)
     values ($1, $2, $3, 10, 10, $4, $4, 'x') returning id::text as id`,
    [owner.id, status, caption, blobKey(String(++seq).padStart(64, 'c'), 'webp')],
  );
  return row!.id;
}
async function commentOf(author: User, photoId: string, body = 'a comment'): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into comments (photo_id, user_id, client_id, body) values ($1, $2, $3, $4) returning id::text as id`,
    [photoId, author.id, `c${++seq}`, body],
  );
  return row!.id;
}
async function messageOf(author: User, body = 'a message'): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into chat_messages (room, user_id, client_id, kind, body) values ('lobby', $1, $2, 'text', $3) returning id::text as id`,
    [author.id, `m${++seq}`, body],
  );
  return row!.id;
}
const eventsOf = (stream: string, type: string) => published.filter((e) => e.stream === stream && e.type === type);
async function moderationNotes(user: User): Promise<{ removed_type: string; reason: string }[]> {
  return app.adapters.db.query(`select removed_type, reason from notifications where user_id = $1 and type = 'moderation' order by id`, [user.id]);
}
/** Ends every suspension, and signs in again whoever a suspension signed out. */
async function clearSuspensions(): Promise<void> {
  await app.adapters.db.query(`update users set suspended_until = null, suspended_reason = null`);
  for (const u of [ann, bob, cat, mod2]) {
    await app.adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', { userId: u.id, until: null, lifted: true });
    if ((await req('GET', '/api/me', u)).statusCode === 401) u.cookie = (await signIn(u)).cookie!;
  }
  published.length = 0;
}
async function signIn(u: User): Promise<{ statusCode: number; cookie: string | null; body: string }> {
  const res = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u.username, password: 'correct horse' } });
  return { statusCode: res.statusCode, cookie: res.statusCode === 200 ? cookieFrom(res.headers['set-cookie']) : null, body: res.body };
}

describe('POST /api/reports', () => {
  test('reports a photo, a comment, a chat message and a user: 201 with the report, announced to the staff as a full queue item', async () => {
    const photo = await photoOf(bob, 'look at this');
    const comment = await commentOf(bob, photo, 'rude words');
    const message = await messageOf(bob, 'buy now');
    const r1 = await ok<{ report: Report }>(await report(ann, 'photo', photo, 'nudity', '  not ok \u0000 '), 201);
    assert.deepEqual({ ...r1.report, id: '', createdAt: '' }, {
      id: '',
      target: { type: 'photo', id: photo },
      reason: 'nudity',
      note: 'not ok',
      status: 'open',
      createdAt: '',
    });
    await reportOk(ann, 'comment', comment, 'harassment');
    await reportOk(ann, 'message', message);
    await reportOk(ann, 'user', bob.id, 'other');
    const rows = await app.adapters.db.query<{ target_user_id: string }>(`select target_user_id::text as target_user_id from reports order by id`);
    assert.deepEqual(rows.map((r) => r.target_user_id), [bob.id, bob.id, bob.id, bob.id], "target_user_id is the content's author");

    const created = eventsOf('moderation', 'report.created').map((e) => e.data as ModerationItem);
    assert.equal(created.length, 4);
    const [p, c, m, u] = created;
    assert.equal(p!.report.id, r1.report.id);
    assert.equal(p!.report.reporter?.username, ann.username);
    assert.equal(p!.content.author?.username, bob.username);
    assert.deepEqual([p!.content.text, p!.content.gone, p!.content.context], ['look at this', false, null]);
    assert.ok(p!.content.thumb?.startsWith('/media/'));
    assert.deepEqual([c!.content.text, c!.content.context], ['rude words', photo]);
    assert.deepEqual([m!.content.text, m!.content.context], ['buy now', 'lobby']);
    assert.deepEqual([u!.content.type, u!.content.id, u!.content.author?.id], ['user', bob.id, bob.id]);
    assert.deepEqual([p!.suspended, p!.suspendedUntil, p!.earlier, p!.actions], [false, null, [], []]);
  });

  test('one open report per reporter and target: a repeat answers 200 with it, also when requests race', async () => {
    const photo = await photoOf(bob);
    const first = await reportOk(ann, 'photo', photo);
    const again = await ok<{ report: Report }>(await report(ann, 'photo', photo, 'violence'));
    assert.equal(again.report.id, first.id);
    assert.equal(again.report.reason, 'spam', 'the open report, unchanged');

    const other = await photoOf(bob);
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => report(cat, 'photo', other)));
    assert.deepEqual(replies.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 201], replies.map((r) => r.body).join('\n'));
    assert.equal(new Set(replies.map((r) => (r.json() as { report: Report }).report.id)).size, 1);
    const [count] = await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from reports where target_id = $1`, [other]);
    assert.equal(count!.n, 1);
    assert.equal(eventsOf('moderation', 'report.created').length, 2, 'announced once per new report');

    // Once it is resolved, the same reporter may report it again.
    ok(await dismiss(mod, first.id));
    const anew = await reportOk(ann, 'photo', photo);
    assert.notEqual(anew.id, first.id);
  });

  test('refusals: signed out, bad input, targets that do not exist or cannot be seen, oneself, a flood', async () => {
    const photo = await photoOf(bob);
    refused(await report(null, 'photo', photo), 401, 'UNAUTHENTICATED');
    refused(await report(null, 'nothing', 'x'), 401, 'UNAUTHENTICATED');
    refused(await report(ann, 'planet', photo), 400, 'VALIDATION');
    refused(await report(ann, 'photo', photo, 'boring'), 400, 'VALIDATION');
    refused(await report(ann, 'photo', 'abc'), 400, 'VALIDATION');
    refused(await report(ann, 'photo', photo, 'other', 'x'.repeat(1001)), 400, 'VALIDATION');
    refused(await report(ann, 'photo', '999999999'), 404, 'NOT_FOUND');
    refused(await report(ann, 'comment', '999999999'), 404, 'NOT_FOUND');
    refused(await report(ann, 'message', '999999999'), 404, 'NOT_FOUND');
    refused(await report(ann, 'user', '999999999'), 404, 'NOT_FOUND');
    const processing = await photoOf(bob, 'not yet', 'processing');
    refused(await report(ann, 'photo', processing), 404, 'NOT_FOUND');
    const removedMessage = await messageOf(bob);
    await app.adapters.db.query(`update chat_messages set removed_at = now() where id = $1`, [removedMessage]);
    refused(await report(ann, 'message', removedMessage), 404, 'NOT_FOUND');
    // A suspended author's content is hidden from everyone: nothing to report.
    const hiddenPhoto = await photoOf(cat);
    const hiddenComment = await commentOf(cat, photo);
    await app.adapters.db.query(`update users set suspended_until = 'infinity' where id = $1`, [cat.id]);
    refused(await report(ann, 'photo', hiddenPhoto), 404, 'NOT_FOUND');
    refused(await report(ann, 'comment', hiddenComment), 404, 'NOT_FOUND');
    refused(await report(ann, 'user', cat.id), 404, 'NOT_FOUND');
    await app.adapters.db.query(`update users set suspended_until = null where id = $1`, [cat.id]);
    refused(await report(bob, 'photo', photo), 400, 'SELF_REPORT');
    refused(await report(bob, 'photo', processing), 400, 'SELF_REPORT');
    refused(await report(bob, 'comment', await commentOf(bob, photo)), 400, 'SELF_REPORT');
    refused(await report(bob, 'user', bob.id), 400, 'SELF_REPORT');
    refused(await app.app.inject({ method: 'POST', url: '/api/reports', headers: { cookie: ann.cookie, origin: 'https://evil.example' }, payload: { target: { type: 'photo', id: photo }, reason: 'spam' } }), 403, 'CSRF');
    assert.equal((await app.adapters.db.query(`select 1 from reports`)).length, 0, 'nothing written');

    await app.adapters.limiter.reset(`reports:${cat.id}`);
    const photos = await Promise.all(Array.from({ length: REPORT_LIMITS.reportsPerUser.limit + 1 }, () => photoOf(bob)));
    for (const id of photos.slice(0, -1)) await reportOk(cat, 'photo', id);
    refused(await report(cat, 'photo', photos.at(-1)!), 429, 'RATE_LIMITED');
  });
});

describe('the staff API', () => {
  test('401 signed out and 403 for members on every endpoint, whatever the body; moderators and admins get in', async () => {
    const photo = await photoOf(bob);
    const r = await reportOk(ann, 'photo', photo);
    const calls = (who: User | null) => [
      req('GET', '/api/moderation/reports', who),
      req('GET', '/api/moderation/actions', who),
      req('POST', `/api/moderation/reports/${r.id}/dismiss`, who, {}),
      req('POST', `/api/moderation/reports/${r.id}/remove`, who, { reason: 'x' }),
      req('POST', `/api/moderation/reports/${r.id}/remove`, who, { nonsense: true }),
      req('POST', `/api/moderation/users/${cat.username}/suspend`, who, { reason: 'x' }),
      req('DELETE', `/api/moderation/users/${cat.username}/suspend`, who),
    ];
    for (const res of await Promise.all(calls(null))) refused(res, 401, 'UNAUTHENTICATED');
    for (const res of await Promise.all(calls(ann))) refused(res, 403, 'FORBIDDEN');
    assert.equal((await queue(mod)).items.length, 1);
    assert.equal((await queue(admin)).items.length, 1);
    const [row] = await app.adapters.db.query<{ status: string }>(`select status from reports where id = $1`, [r.id]);
    assert.equal(row!.status, 'open', 'nothing happened');
    assert.equal(await app.adapters.db.query(`select 1 from moderation_actions`).then((rows) => rows.length), 0);
  });

  test('the moderation stream: staff only', async () => {
    const streams = new StreamRegistry();
    registerModerationStreams(streams);
    const viewer = (u: User, isAdmin: boolean, isModerator: boolean) => ({ id: u.id, username: u.username, displayName: u.username, bio: '', avatar: null, isAdmin, isModerator });
    assert.equal((await streams.resolve('moderation', viewer(mod, false, true))).stream.busName, 'moderation');
    assert.equal((await streams.resolve('moderation', viewer(admin, true, false))).stream.busName, 'moderation');
    await assert.rejects(streams.resolve('moderation', viewer(ann, false, false)), { code: 'FORBIDDEN' });
    await assert.rejects(streams.resolve('moderation', null), { code: 'UNAUTHENTICATED' });
    await assert.rejects(streams.resolve('moderation:x', viewer(mod, false, true)), { code: 'BAD_REQUEST' });
  });

  test('the queue: open reports oldest first in bounded pages, with earlier reports and actions; resolved ones by status', async () => {
    const photo = await photoOf(bob);
    const r1 = await reportOk(ann, 'photo', photo);
    const r2 = await reportOk(cat, 'photo', photo);
    const r3 = await reportOk(ann, 'user', bob.id);
    const first = await queue(mod, '?limit=2');
    assert.deepEqual(first.items.map((i) => i.report.id), [r1.id, r2.id]);
    assert.ok(first.next);
    const second = await queue(mod, `?limit=2&before=${first.next}`);
    assert.deepEqual(second.items.map((i) => i.report.id), [r3.id]);
    assert.equal(second.next, null);
    assert.deepEqual(first.items[1]!.earlier.map((r) => r.id), [r1.id], 'the earlier report of the same target');
    assert.deepEqual(first.items[0]!.earlier, []);
    refused(await req('GET', '/api/moderation/reports?limit=101', mod), 400, 'VALIDATION');
    refused(await req('GET', '/api/moderation/reports?status=closed', mod), 400, 'VALIDATION');
    refused(await req('GET', '/api/moderation/reports?before=garbage', mod), 400, 'VALIDATION');

    ok(await dismiss(mod, r3.id, 'fine'));
    const open = await queue(mod);
    assert.deepEqual(open.items.map((i) => i.report.id), [r1.id, r2.id]);
    assert.deepEqual(open.items[0]!.actions.map((a) => [a.action, a.actor?.username, a.reason]), [['dismiss', mod.username, 'fine']], "the author's earlier actions");
    const dismissed = await queue(mod, '?status=dismissed');
    assert.deepEqual(dismissed.items.map((i) => [i.report.id, i.report.status, i.report.resolvedBy?.username]), [[r3.id, 'dismissed', mod.username]]);
    assert.ok(dismissed.items[0]!.report.resolvedAt);
  });
});

describe('dismiss', () => {
  test('resolves every open report of the target, writes the audit row and announces each; a repeat changes nothing', async () => {
    const photo = await photoOf(bob);
    const other = await photoOf(bob);
    const r1 = await reportOk(ann, 'photo', photo);
    const r2 = await reportOk(cat, 'photo', photo);
    const r3 = await reportOk(ann, 'photo', other);
    const result = await ok<ModerationResult>(await dismiss(mod, r1.id, 'looks fine'));
    assert.deepEqual(result.resolved, [r1.id, r2.id]);
    assert.deepEqual(
      [result.action?.action, result.action?.actor?.username, result.action?.target, result.action?.targetUser?.username, result.action?.reportId, result.action?.reason],
      ['dismiss', mod.username, { type: 'photo', id: photo }, bob.username, r1.id, 'looks fine'],
    );
    assert.deepEqual(eventsOf('moderation', 'report.resolved').map((e) => e.data), [
      { id: r1.id, status: 'dismissed' },
      { id: r2.id, status: 'dismissed' },
    ]);
    assert.deepEqual((await queue(mod)).items.map((i) => i.report.id), [r3.id]);
    assert.deepEqual(await ok(await dismiss(mod, r1.id)), { action: null, resolved: [] });
    assert.equal((await app.adapters.db.query(`select 1 from moderation_actions`)).length, 1);
    refused(await dismiss(mod, '999999999'), 404, 'NOT_FOUND');
    refused(await dismiss(mod, r3.id, 'x'.repeat(501)), 400, 'VALIDATION');
    assert.equal((await ok<{ photo: { id: string } }>(await req('GET', `/api/photos/${photo}`, ann))).photo.id, photo, 'the photo stays');
  });
});

describe('remove', () => {
  test('a photo: gone from every wall, its reports resolved, its author notified with the reason, the audit row; a repeat is harmless', async () => {
    const photo = await photoOf(bob, 'bad one');
    const r1 = await reportOk(ann, 'photo', photo);
    const r2 = await reportOk(cat, 'photo', photo, 'nudity');
    refused(await remove(mod, r1.id, '   '), 400, 'VALIDATION');
    const result = await ok<ModerationResult>(await remove(mod, r1.id, 'Nudity is not allowed here'));
    assert.deepEqual(result.resolved, [r1.id, r2.id]);
    assert.deepEqual([result.action?.action, result.action?.reason, result.action?.target], ['remove', 'Nudity is not allowed here', { type: 'photo', id: photo }]);
    refused(await req('GET', `/api/photos/${photo}`, bob), 404, 'NOT_FOUND');
    assert.ok(eventsOf('latest', 'photo.deleted').some((e) => (e.data as { id: string }).id === photo), 'photo.deleted on latest');
    assert.ok(eventsOf(`profile:${bob.username}`, 'photo.deleted').length > 0);
    assert.deepEqual(eventsOf('moderation', 'report.resolved').map((e) => e.data), [
      { id: r1.id, status: 'removed' },
      { id: r2.id, status: 'removed' },
    ]);
    await jobsSettled(app);
    assert.deepEqual(await moderationNotes(bob), [{ removed_type: 'photo', reason: 'Nudity is not allowed here' }]);
    const notes = await ok<Page<{ type: string; removed: { type: string } | null; reason: string | null; actor: unknown }>>(await req('GET', '/api/notifications', bob));
    const note = notes.items.find((n) => n.type === 'moderation');
    assert.deepEqual([note?.removed, note?.reason, note?.actor], [{ type: 'photo' }, 'Nudity is not allowed here', null], 'no moderator is named');

    assert.deepEqual(await ok(await remove(mod2, r1.id)), { action: null, resolved: [] }, 'gone and resolved: nothing to do');
    await jobsSettled(app);
    assert.equal((await moderationNotes(bob)).length, 1, 'notified once');
    assert.equal((await app.adapters.db.query(`select 1 from moderation_actions where action = 'remove'`)).length, 1);
  });

  test('content its author deleted first: the reports are resolved, nobody is notified, nothing fails', async () => {
    const photo = await photoOf(cat);
    const r = await reportOk(ann, 'photo', photo);
    await app.adapters.db.query(`delete from photos where id = $1`, [photo]);
    const result = await ok<ModerationResult>(await remove(mod, r.id));
    assert.deepEqual(result.resolved, [r.id]);
    assert.equal(result.action?.action, 'remove');
    await jobsSettled(app);
    assert.deepEqual(await moderationNotes(cat), []);
    const [item] = (await queue(mod, '?status=removed')).items;
    assert.deepEqual([item?.content.gone, item?.content.author?.username], [true, cat.username]);
  });

  test('a comment: deleted, comment.deleted on its photo with the new count, its author notified', async () => {
    const photo = await photoOf(ann);
    const comment = await commentOf(bob, photo, 'nasty');
    const r = await reportOk(ann, 'comment', comment, 'harassment');
    ok(await remove(mod, r.id, 'Be kind'));
    assert.equal((await app.adapters.db.query(`select 1 from comments where id = $1`, [comment])).length, 0);
    assert.deepEqual(eventsOf(`photo:${photo}`, 'comment.deleted').map((e) => e.data), [{ id: comment, photoId: photo, comments: 0 }]);
    await jobsSettled(app);
    assert.deepEqual((await moderationNotes(bob)).at(-1), { removed_type: 'comment', reason: 'Be kind' });
  });

  test('a chat message: out of history, chat.deleted on its room, its author notified; a user cannot be removed', async () => {
    const message = await messageOf(cat, 'spam spam spam');
    const kept = await messageOf(cat, 'hello');
    const r = await reportOk(ann, 'message', message);
    ok(await remove(admin, r.id, 'No spam'));
    const [row] = await app.adapters.db.query<{ removed: boolean }>(`select removed_at is not null as removed from chat_messages where id = $1`, [message]);
    assert.equal(row!.removed, true);
    assert.deepEqual(eventsOf('chat:lobby', 'chat.deleted').map((e) => e.data), [{ id: message, room: 'lobby' }]);
    const history = await ok<Page<ChatMessage>>(await req('GET', '/api/chat/rooms/lobby/messages?limit=100', ann));
    assert.ok(!history.items.some((m) => m.id === message), 'left out of history');
    assert.ok(history.items.some((m) => m.id === kept));
    await jobsSettled(app);
    assert.deepEqual((await moderationNotes(cat)).at(-1), { removed_type: 'message', reason: 'No spam' });

    const u = await reportOk(ann, 'user', cat.id);
    refused(await remove(mod, u.id), 400, 'BAD_REQUEST');
    refused(await remove(mod, '999999999'), 404, 'NOT_FOUND');
  });
});

describe('suspend and lift', () => {
  beforeEach(clearSuspensions);

  test('suspending ends every session, refuses the old cookie, resolves the reports about the user, tells every instance', async () => {
    const victim = await register(app, `mod_v${++seq}`).then((r) => ({ ...r, username: `mod_v${seq}` }));
    const second = await signIn(victim);
    assert.equal(second.statusCode, 200);
    assert.equal((await app.adapters.sessions.listByUser(victim.id)).length, 2);
    const photo = await photoOf(victim);
    const r1 = await reportOk(ann, 'photo', photo);
    const r2 = await reportOk(cat, 'user', victim.id);
    const r3 = await reportOk(cat, 'comment', await commentOf(victim, photo));
    const elsewhere = await reportOk(ann, 'photo', await photoOf(bob));
    const until = new Date(Date.now() + 24 * 3600_000).toISOString();

    const result = await ok<ModerationResult & { user: { username: string }; suspended: boolean; until: string | null }>(
      await suspend(mod, victim.username, { until, reason: 'Spamming', reportId: r2.id }),
    );
    assert.deepEqual([result.user.username, result.suspended, result.until], [victim.username, true, until]);
    assert.deepEqual(result.resolved, [r1.id, r2.id, r3.id]);
    assert.deepEqual(
      [result.action?.action, result.action?.until, result.action?.reason, result.action?.reportId, result.action?.target, result.action?.targetUser?.id],
      ['suspend', until, 'Spamming', r2.id, { type: 'user', id: victim.id }, victim.id],
    );
    assert.deepEqual(await app.adapters.sessions.listByUser(victim.id), [], 'the session store holds none of theirs');
    refused(await req('GET', '/api/me', victim), 401, 'UNAUTHENTICATED');
    refused(await req('GET', '/api/me', { ...victim, cookie: second.cookie! }), 401, 'UNAUTHENTICATED');
    const [row] = await app.adapters.db.query<{ until: Date; reason: string }>(`select suspended_until as until, suspended_reason as reason from users where id = $1`, [victim.id]);
    assert.deepEqual([row!.until.toISOString(), row!.reason], [until, 'Spamming']);
    assert.deepEqual(eventsOf(SESSIONS_STREAM, 'user.suspended').map((e) => e.data), [{ userId: victim.id, until, lifted: false }]);
    assert.deepEqual(eventsOf(SESSIONS_STREAM, 'user.sessions-ended').map((e) => e.data), [{ userId: victim.id, except: null }]);
    assert.deepEqual(
      eventsOf('moderation', 'report.resolved').map((e) => e.data),
      [r1, r2, r3].map((r) => ({ id: r.id, status: 'suspended' })),
    );
    assert.deepEqual((await queue(mod)).items.map((i) => i.report.id), [elsewhere.id]);
    const [item] = (await queue(mod, '?status=suspended&limit=1')).items;
    assert.deepEqual([item?.suspended, item?.suspendedUntil], [true, until]);

    // Lifted: they sign in again, and every instance hears of it.
    const lifted = await ok<ModerationResult & { suspended: boolean }>(await lift(mod, victim.username));
    assert.deepEqual([lifted.action?.action, lifted.action?.actor?.username, lifted.suspended, lifted.resolved], ['unsuspend', mod.username, false, []]);
    assert.deepEqual(eventsOf(SESSIONS_STREAM, 'user.suspended').at(-1)?.data, { userId: victim.id, until: null, lifted: true });
    assert.equal((await signIn(victim)).statusCode, 200);
    assert.equal((await ok<ModerationResult>(await lift(mod, victim.username))).action, null, 'nothing to lift');
  });

  test('indefinitely: until null (or left out) is stored as infinity and answered as null', async () => {
    const result = await ok<ModerationResult & { until: string | null }>(await suspend(admin, cat.username, { until: null, reason: 'Bad' }));
    assert.deepEqual([result.until, result.action?.until], [null, null]);
    const [row] = await app.adapters.db.query<{ forever: boolean }>(`select suspended_until = 'infinity' as forever from users where id = $1`, [cat.id]);
    assert.equal(row!.forever, true);
    const login = await signIn(cat);
    assert.equal(login.statusCode, 403, login.body);
    assert.equal(JSON.parse(login.body).error.code, 'SUSPENDED');
    ok(await suspend(admin, cat.username, { reason: 'Still bad' }));
    ok(await lift(admin, cat.username));
  });

  test('the rules: not oneself, not an admin, a moderator only by an admin; bad input refused; nothing written', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    refused(await suspend(mod, mod.username, { until: future, reason: 'x' }), 400, 'SELF_SUSPEND');
    refused(await suspend(admin, admin.username, { reason: 'x' }), 400, 'SELF_SUSPEND');
    refused(await suspend(mod, admin.username, { until: future, reason: 'x' }), 403, 'FORBIDDEN');
    refused(await suspend(mod, mod2.username, { until: future, reason: 'x' }), 403, 'FORBIDDEN');
    refused(await suspend(mod, 'nobody_here', { reason: 'x' }), 404, 'NOT_FOUND');
    refused(await suspend(mod, ann.username, { until: '2001-01-01T00:00:00Z', reason: 'x' }), 400, 'VALIDATION');
    refused(await suspend(mod, ann.username, { until: 'tomorrow', reason: 'x' }), 400, 'VALIDATION');
    refused(await suspend(mod, ann.username, { until: future }), 400, 'VALIDATION');
    refused(await suspend(mod, ann.username, { until: future, reason: '' }), 400, 'VALIDATION');
    refused(await suspend(mod, ann.username, { until: future, reason: 'x', reportId: '999999999' }), 404, 'NOT_FOUND');
    const aboutBob = await reportOk(cat, 'user', bob.id);
    refused(await suspend(mod, ann.username, { until: future, reason: 'x', reportId: aboutBob.id }), 400, 'VALIDATION');
    const [rows] = await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from users where suspended_until is not null`);
    assert.equal(rows!.n, 0);
    assert.equal((await app.adapters.db.query(`select 1 from moderation_actions`)).length, 0);

    const byAdmin = await ok<ModerationResult>(await suspend(admin, mod2.username, { until: future, reason: 'Abuse of the role' }));
    assert.equal(byAdmin.action?.actor?.username, admin.username);
    ok(await lift(admin, mod2.username));
  });
});

describe('the audit log', () => {
  beforeEach(clearSuspensions);

  test('every action with who took it, newest first, in bounded pages, optionally about one user', async () => {
    const photo = await photoOf(bob);
    const r1 = await reportOk(ann, 'photo', photo);
    ok(await dismiss(mod, r1.id, 'fine'));
    const r2 = await reportOk(cat, 'photo', photo);
    ok(await remove(admin, r2.id, 'not fine'));
    ok(await suspend(mod, cat.username, { reason: 'cat was rude' }));
    ok(await lift(mod2, cat.username));

    const all = await ok<Page<ModerationAction>>(await req('GET', '/api/moderation/actions', mod));
    assert.deepEqual(all.items.map((a) => [a.action, a.actor?.username, a.targetUser?.username]), [
      ['unsuspend', mod2.username, cat.username],
      ['suspend', mod.username, cat.username],
      ['remove', admin.username, bob.username],
      ['dismiss', mod.username, bob.username],
    ]);
    const page = await ok<Page<ModerationAction>>(await req('GET', '/api/moderation/actions?limit=3', mod));
    assert.equal(page.items.length, 3);
    const rest = await ok<Page<ModerationAction>>(await req('GET', `/api/moderation/actions?limit=3&before=${page.next}`, mod));
    assert.deepEqual(rest.items.map((a) => a.action), ['dismiss']);
    assert.equal(rest.next, null);
    const aboutBob = await ok<Page<ModerationAction>>(await req('GET', `/api/moderation/actions?user=${bob.username}`, admin));
    assert.deepEqual(aboutBob.items.map((a) => a.action), ['remove', 'dismiss']);
    refused(await req('GET', '/api/moderation/actions?user=nobody_here', mod), 404, 'NOT_FOUND');
    refused(await req('GET', '/api/moderation/actions?user=Not-A-Name', mod), 400, 'VALIDATION');
    refused(await req('GET', '/api/moderation/actions?limit=0', mod), 400, 'VALIDATION');
  });

  test('the endpoints are in the OpenAPI document', async () => {
    const doc = (await app.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    for (const path of [
      '/api/reports',
      '/api/moderation/reports',
      '/api/moderation/reports/{id}/dismiss',
      '/api/moderation/reports/{id}/remove',
      '/api/moderation/users/{username}/suspend',
      '/api/moderation/actions',
    ]) {
      assert.ok(doc.paths[path], path);
    }
  });
});
