// Comments over HTTP (in process, app.inject): posting once per clientId, listing oldest first,
// who may delete, photos that take no comments, the rate limit, the photo's count, refused input
// with nothing written, and the comment and mention notifications (once, even when redelivered).
import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { notifyCaptionMentions, notifyComment } from '../../src/features/comments/comments.jobs.js';
import { COMMENT_LIMITS } from '../../src/features/comments/comments.service.js';
import { insertPhoto } from '../../src/features/photos/photos.repo.js';
import { enqueue } from '../../src/jobs/outbox.js';
import { blobKey } from '../../src/ports/blobs.js';
import type { Comment, Notification, Page, Photo } from '../../src/shared/api.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { makeJpeg } from '../helpers/images.js';
import { jobsSettled, until } from '../helpers/photos.js';
import { userRef } from '../helpers/users.js';

interface User {
  cookie: string;
  id: string;
  username: string;
}

let app: TestApp;
let admin: User;
let owner: User;
let ann: User;
let bob: User;
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
  admin = await user('root_admin'); // the first account from loopback takes the admin seat
  owner = await user('olga');
  ann = await user('ann');
  bob = await user('bob');
});

// Each test starts with fresh comment budgets (the rate limit has a test of its own).
beforeEach(async () => {
  for (const u of [admin, owner, ann, bob]) if (u) await app.adapters.limiter.reset(`comments:${u.id}`);
});

// node:test runs `after` hooks of the file in order; close the app at the very end.
test.after(() => app.close());

async function photoOf(ownerId: string, status: 'ready' | 'processing' | 'failed' = 'ready', caption = ''): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into photos (owner_id, status, caption, width, height, thumb_key, display_key, placeholder)
     values ($1, $2, $3, 10, 10, $4, $4, 'x') returning id`,
    [ownerId, status, caption, blobKey('c'.repeat(64), 'webp')],
  );
  return row!.id;
}

function post(photoId: string, user: User | null, payload: unknown) {
  return app.app.inject({ method: 'POST', url: `/api/photos/${photoId}/comments`, headers: user ? { cookie: user.cookie } : {}, payload: payload as object });
}
function list(photoId: string, query = '', user?: User) {
  return app.app.inject({ method: 'GET', url: `/api/photos/${photoId}/comments${query}`, headers: user ? { cookie: user.cookie } : {} });
}
function del(commentId: string, user: User | null) {
  return app.app.inject({ method: 'DELETE', url: `/api/comments/${commentId}`, headers: user ? { cookie: user.cookie } : {} });
}
async function photoCount(photoId: string): Promise<number> {
  const res = await app.app.inject({ method: 'GET', url: `/api/photos/${photoId}` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { photo: Photo }).photo.comments;
}
async function rowsOf(photoId: string): Promise<number> {
  const [row] = await app.adapters.db.query<{ n: number; stored: number }>(
    `select count(c.id)::int as n, p.comments_count as stored from photos p left join comments c on c.photo_id = p.id where p.id = $1 group by p.id`,
    [photoId],
  );
  assert.equal(row!.n, row!.stored, 'the stored count matches the rows');
  return row!.n;
}
async function notificationsOf(user: User): Promise<Notification[]> {
  const res = await app.app.inject({ method: 'GET', url: '/api/notifications?limit=100', headers: { cookie: user.cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as Page<Notification>).items;
}
const eventsOn = (stream: string, type: string) => published.filter((e) => e.stream === stream && e.type === type);

describe('posting', () => {
  test('201 with the comment; a retry with the same clientId is 200 with the same comment and publishes nothing', async () => {
    const photo = await photoOf(owner.id);
    const first = await post(photo, ann, { text: '  nice <b>light</b>  ', clientId: 'c-1' });
    assert.equal(first.statusCode, 201, first.body);
    const { comment } = first.json() as { comment: Comment };
    assert.deepEqual(Object.keys(comment).sort(), ['createdAt', 'id', 'photoId', 'text', 'user']);
    assert.equal(comment.text, 'nice <b>light</b>', 'trimmed, and stored as text');
    assert.equal(comment.photoId, photo);
    assert.deepEqual(comment.user, userRef(ann.id, 'ann'));

    const retry = await post(photo, ann, { text: 'something else', clientId: 'c-1' });
    assert.equal(retry.statusCode, 200, retry.body);
    assert.deepEqual(retry.json(), { comment });
    assert.equal(await rowsOf(photo), 1);
    assert.equal(await photoCount(photo), 1);
    const created = eventsOn(`photo:${photo}`, 'comment.created');
    assert.equal(created.length, 1, 'one event for one comment');
    assert.deepEqual(created[0]!.data, { comment, comments: 1 });

    // Another user's clientId is their own.
    const bobs = await post(photo, bob, { text: 'same id, other user', clientId: 'c-1' });
    assert.equal(bobs.statusCode, 201, bobs.body);
    assert.equal(await photoCount(photo), 2);
  });

  test('XSS payloads come back byte for byte, in the reply, the list and the event', async () => {
    const photo = await photoOf(owner.id);
    const payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg/onload=alert`1`>', "javascript:alert('x') &amp; &lt;", '{{7*7}} ${7*7}'];
    for (const [i, text] of payloads.entries()) {
      const res = await post(photo, ann, { text, clientId: `xss-${i}` });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal((res.json() as { comment: Comment }).comment.text, text);
    }
    const page = (await list(photo, '?limit=100')).json() as Page<Comment>;
    assert.deepEqual(page.items.map((c) => c.text), payloads);
    assert.deepEqual(eventsOn(`photo:${photo}`, 'comment.created').map((e) => (e.data as { comment: Comment }).comment.text), payloads);
  });

  test('signed out: 401, nothing written', async () => {
    const photo = await photoOf(owner.id);
    const res = await post(photo, null, { text: 'hi', clientId: 'anon' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    assert.equal(await rowsOf(photo), 0);
  });

  test('bad input is 400 VALIDATION and writes nothing', async () => {
    const photo = await photoOf(owner.id);
    const cases: [string, unknown][] = [
      ['empty text', { text: '', clientId: 'v1' }],
      ['blank text', { text: ' \n\t\u200B ', clientId: 'v2' }],
      ['controls only', { text: '\u0000\u0007', clientId: 'v3' }],
      ['1001 characters', { text: 'a'.repeat(1001), clientId: 'v4' }],
      ['1001 emoji', { text: '😀'.repeat(1001), clientId: 'v5' }],
      ['huge text', { text: 'a'.repeat(100_000), clientId: 'v6' }],
      ['missing clientId', { text: 'hi' }],
      ['empty clientId', { text: 'hi', clientId: '' }],
      ['clientId over 100', { text: 'hi', clientId: 'x'.repeat(101) }],
      ['numeric clientId', { text: 'hi', clientId: 7 }],
      ['numeric text', { text: 42, clientId: 'v7' }],
      ['null text', { text: null, clientId: 'v8' }],
      ['array text', { text: ['hi'], clientId: 'v9' }],
      ['missing text', { clientId: 'v10' }],
      ['extra field', { text: 'hi', clientId: 'v11', photoId: '1' }],
      ['not an object', ['hi']],
    ];
    for (const [what, payload] of cases) {
      const res = await post(photo, ann, payload);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION', `${what}: ${res.body}`);
      assert.ok(res.json().error.message.length > 0);
    }
    const bad = await app.app.inject({
      method: 'POST',
      url: `/api/photos/${photo}/comments`,
      headers: { cookie: ann.cookie, 'content-type': 'application/json' },
      payload: '{"text": "hi", ',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_JSON');
    assert.equal(await rowsOf(photo), 0);
    assert.equal(await photoCount(photo), 0);
    // Exactly 1000 characters is fine.
    assert.equal((await post(photo, ann, { text: 'é'.repeat(1000), clientId: 'max' })).statusCode, 201);
  });

  test('photos still processing, failed, deleted or unknown take no comments (404), and list none', async () => {
    const processing = await photoOf(owner.id, 'processing');
    const failed = await photoOf(owner.id, 'failed');
    const gone = await photoOf(owner.id);
    assert.equal((await app.app.inject({ method: 'DELETE', url: `/api/photos/${gone}`, headers: { cookie: owner.cookie } })).statusCode, 204);
    for (const id of [processing, failed, gone, '999999999', 'abc']) {
      for (const user of [ann, owner]) {
        const res = await post(id, user, { text: 'hi', clientId: `nf-${id}-${user.id}` });
        assert.ok(res.statusCode === 404 || (id === 'abc' && res.statusCode === 400), `${id}: ${res.statusCode} ${res.body}`);
        if (res.statusCode === 404) assert.equal(res.json().error.code, 'NOT_FOUND');
      }
      const listed = await list(id, '', owner);
      assert.ok(listed.statusCode === 404 || (id === 'abc' && listed.statusCode === 400), `${id}: ${listed.statusCode}`);
    }
    const [{ n }] = (await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from comments where photo_id = any($1::bigint[])`, [
      [processing, failed, gone],
    ])) as [{ n: number }];
    assert.equal(n, 0);
  });

  test(`a user may post ${COMMENT_LIMITS.commentsPerUser.limit} comments a minute; then 429 RATE_LIMITED, nothing written; retries are free`, async () => {
    const spammer = { ...(await register(app, 'spammer')), username: 'spammer' };
    const photo = await photoOf(owner.id);
    const limit = COMMENT_LIMITS.commentsPerUser.limit;
    for (let i = 0; i < limit; i++) assert.equal((await post(photo, spammer, { text: `n${i}`, clientId: `r${i}` })).statusCode, 201);
    const refused = await post(photo, spammer, { text: 'one more', clientId: 'r-over' });
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(refused.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(await rowsOf(photo), limit);
    // A retry of a comment already posted is answered, limit or not.
    assert.equal((await post(photo, spammer, { text: 'n0', clientId: 'r0' })).statusCode, 200);
    // Other users are not limited by it.
    assert.equal((await post(photo, ann, { text: 'still fine', clientId: 'r-ann' })).statusCode, 201);
  });
});

describe('listing', () => {
  test('oldest first, `limit` at most 100, `after` walks every comment once; signed out works', async () => {
    const photo = await photoOf(owner.id);
    const texts: string[] = [];
    for (let i = 0; i < 12; i++) {
      const who = i % 2 ? ann : bob;
      texts.push(`c${i}`);
      // Spread over users so the rate limit stays out of the way.
      assert.equal((await post(photo, who, { text: `c${i}`, clientId: `list-${i}` })).statusCode, 201);
    }
    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const res = await list(photo, `?limit=5${after ? `&after=${after}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as Page<Comment>;
      assert.ok(page.items.length <= 5);
      seen.push(...page.items.map((c) => c.text));
      after = page.next;
      pages++;
    }
    assert.deepEqual(seen, texts);
    assert.equal(pages, 3);
    const all = (await list(photo)).json() as Page<Comment>;
    assert.equal(all.items.length, 12, 'default limit 50');
    assert.equal(all.next, null);
    for (const q of ['?limit=0', '?limit=101', '?limit=x', '?after=garbage', '?after=' + Buffer.from('{"id":"x"}').toString('base64url')]) {
      const res = await list(photo, q);
      assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION');
    }
  });
});

describe('deleting', () => {
  test("its author, the photo's owner and an admin may delete a comment (204); anyone else 403; unknown 404; the count follows", async () => {
    const photo = await photoOf(owner.id);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(photo, ann, { text: `d${i}`, clientId: `del-${photo}-${i}` });
      ids.push((res.json() as { comment: Comment }).comment.id);
    }
    assert.equal(await photoCount(photo), 4);

    const refused = await del(ids[0]!, bob);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'FORBIDDEN');
    assert.equal((await del(ids[0]!, null)).statusCode, 401);
    assert.equal(await rowsOf(photo), 4);

    assert.equal((await del(ids[0]!, ann)).statusCode, 204, 'author');
    assert.equal((await del(ids[1]!, owner)).statusCode, 204, 'photo owner');
    assert.equal((await del(ids[2]!, admin)).statusCode, 204, 'admin');
    assert.equal(await rowsOf(photo), 1);
    assert.equal(await photoCount(photo), 1);

    const again = await del(ids[0]!, ann);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'NOT_FOUND');
    assert.equal((await del('999999999', admin)).statusCode, 404);
    assert.equal((await del('nope', admin)).statusCode, 400);

    const deleted = eventsOn(`photo:${photo}`, 'comment.deleted').map((e) => e.data);
    assert.deepEqual(deleted, [
      { id: ids[0], photoId: photo, comments: 3 },
      { id: ids[1], photoId: photo, comments: 2 },
      { id: ids[2], photoId: photo, comments: 1 },
    ]);
    const listed = (await list(photo)).json() as Page<Comment>;
    assert.deepEqual(listed.items.map((c) => c.id), [ids[3]]);
  });

  test('deleting the photo takes its comments (and their notifications) with it; the count never goes negative', async () => {
    const photo = await photoOf(owner.id);
    const res = await post(photo, ann, { text: 'hello @bob', clientId: `cascade-${photo}` });
    const { comment } = res.json() as { comment: Comment };
    await jobsSettled(app);
    assert.equal((await app.app.inject({ method: 'DELETE', url: `/api/photos/${photo}`, headers: { cookie: owner.cookie } })).statusCode, 204);
    assert.deepEqual(await app.adapters.db.query(`select id from comments where photo_id = $1`, [photo]), []);
    assert.deepEqual(await app.adapters.db.query(`select id from notifications where comment_id = $1`, [comment.id]), []);
    assert.equal((await del(comment.id, ann)).statusCode, 404);

    // The check and the trigger keep the count at zero or more, whatever happens.
    const other = await photoOf(owner.id);
    await app.adapters.db.query(`update photos set comments_count = 0 where id = $1`, [other]);
    const c = (await post(other, ann, { text: 'x', clientId: `neg-${other}` })).json() as { comment: Comment };
    await app.adapters.db.query(`update photos set comments_count = 0 where id = $1`, [other]);
    assert.equal((await del(c.comment.id, ann)).statusCode, 204);
    assert.equal(await photoCount(other), 0);
  });
});

describe('notifications', () => {
  test("a comment notifies the photo's owner and each existing user it @mentions, once, even when the job is redelivered", async () => {
    const photo = await photoOf(owner.id);
    const before = { owner: (await notificationsOf(owner)).length, bob: (await notificationsOf(bob)).length, ann: (await notificationsOf(ann)).length };
    const text = 'look @bob and @BOB and @olga and @ann and @nobody_here and mail@bob.com';
    await app.adapters.limiter.reset(`comments:${ann.id}`);
    const res = await post(photo, ann, { text, clientId: `n-${photo}` });
    assert.equal(res.statusCode, 201, res.body);
    const { comment } = res.json() as { comment: Comment };
    await jobsSettled(app);
    await notifyComment(app.adapters.db, comment.id); // a redelivery
    await jobsSettled(app);

    const ownerNotes = (await notificationsOf(owner)).filter((n) => n.photo?.id === photo);
    assert.deepEqual(
      ownerNotes.map((n) => ({ type: n.type, actor: n.actor?.username, comment: n.comment })),
      [{ type: 'comment', actor: 'ann', comment: { id: comment.id, text } }],
      'the owner: one comment notification, no mention on top',
    );
    const bobNotes = (await notificationsOf(bob)).filter((n) => n.photo?.id === photo);
    assert.deepEqual(
      bobNotes.map((n) => ({ type: n.type, actor: n.actor?.username, comment: n.comment?.id })),
      [{ type: 'mention', actor: 'ann', comment: comment.id }],
    );
    assert.equal((await notificationsOf(ann)).length, before.ann, 'not yourself');
    assert.equal((await notificationsOf(owner)).length, before.owner + 1);
    assert.equal((await notificationsOf(bob)).length, before.bob + 1);
  });

  test("the owner's own comment notifies nobody but those it mentions; at most 10 mentions per text", async () => {
    const photo = await photoOf(owner.id);
    const many: User[] = [];
    for (let i = 0; i < 12; i++) many.push({ ...(await register(app, `many_${i}`)), username: `many_${i}` });
    const text = many.map((u) => `@${u.username}`).join(' ');
    const ownerBefore = (await notificationsOf(owner)).length;
    assert.equal((await post(photo, owner, { text, clientId: `own-${photo}` })).statusCode, 201);
    await jobsSettled(app);
    assert.equal((await notificationsOf(owner)).length, ownerBefore);
    const got = await Promise.all(many.map(async (u) => (await notificationsOf(u)).filter((n) => n.type === 'mention').length));
    assert.deepEqual(got, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });

  test('a caption that @mentions users notifies them when the photo becomes ready, once', async () => {
    const key = blobKey('d'.repeat(64), 'jpg');
    await app.adapters.uploads.put(key, await makeJpeg({ width: 64, height: 48 }));
    const photo = await app.adapters.db.tx(async (q) => {
      const id = await insertPhoto(q, { ownerId: owner.id, caption: 'with @ann and @bob and @olga', cityId: null, uploadKey: key });
      await enqueue(q, 'photo.resize', { photoId: id });
      return id;
    });
    await until('the photo to be ready', async () => (await app.adapters.db.query<{ status: string }>(`select status from photos where id = $1`, [photo]))[0]?.status, (s) => s === 'ready');
    await jobsSettled(app);
    await notifyCaptionMentions(app.adapters.db, photo); // a redelivery
    await jobsSettled(app);
    for (const user of [ann, bob]) {
      const notes = (await notificationsOf(user)).filter((n) => n.photo?.id === photo);
      assert.deepEqual(notes.map((n) => ({ type: n.type, actor: n.actor?.username, comment: n.comment })), [{ type: 'mention', actor: 'olga', comment: null }]);
    }
    assert.deepEqual((await notificationsOf(owner)).filter((n) => n.photo?.id === photo && n.type === 'mention'), [], 'not yourself');
    const jobs = await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from jobs where name = 'photo.mentions' and payload->>'photoId' = $1`, [photo]);
    assert.equal(jobs[0]!.n, 1);
  });

  test('a caption without mentions enqueues no mention job', async () => {
    const key = blobKey('e'.repeat(64), 'jpg');
    await app.adapters.uploads.put(key, await makeJpeg({ width: 40, height: 30 }));
    const photo = await app.adapters.db.tx(async (q) => {
      const id = await insertPhoto(q, { ownerId: owner.id, caption: 'mail me at olga@example.com', cityId: null, uploadKey: key });
      await enqueue(q, 'photo.resize', { photoId: id });
      return id;
    });
    await until('the photo to be ready', async () => (await app.adapters.db.query<{ status: string }>(`select status from photos where id = $1`, [photo]))[0]?.status, (s) => s === 'ready');
    await jobsSettled(app);
    const jobs = await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from jobs where name = 'photo.mentions' and payload->>'photoId' = $1`, [photo]);
    assert.equal(jobs[0]!.n, 0);
  });
});

test('the OpenAPI document lists the comment routes', async () => {
  const res = await app.app.inject({ method: 'GET', url: '/docs/json' });
  const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/api/photos/{id}/comments']?.get);
  assert.ok(doc.paths['/api/photos/{id}/comments']?.post);
  assert.ok(doc.paths['/api/comments/{id}']?.delete);
});
