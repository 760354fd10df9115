// Account settings against the in-process app on a real port: password change (rotation, other
// sessions and their sockets end), sign out everywhere, account deletion (everything gone, counts
// corrected, chat kept from "[deleted]", the username held for 30 days, an interrupted deletion that
// resumes and finishes), and data export (zip contents, authorization, expiry and purge).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBuffer, type Entry } from 'yauzl';
import { deleteAccountData, purgeExpiredExports, type AccountJobsDeps } from '../../src/features/accounts/accounts.jobs.js';
import { SETTINGS_LIMITS } from '../../src/features/accounts/accounts.settings.js';
import { Sessions } from '../../src/features/accounts/sessions.js';
import { CitiesService } from '../../src/features/cities/cities.service.js';
import { PhotosService } from '../../src/features/photos/photos.service.js';
import { SocialService } from '../../src/features/social/social.service.js';
import type { ChatMessage, Notification, Page, Photo, Profile } from '../../src/shared/api.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, jobsSettled, readyPhoto, signUp, until, uploadOk, type Session } from '../helpers/photos.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

const PASSWORD = 'correct horse';

function useApp(): () => TestApp {
  let app: TestApp | undefined;
  before(async () => {
    app = await buildTestApp(null);
    await app.listen();
  });
  after(() => app?.close());
  return () => app!;
}

async function login(base: string, username: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200, `login ${username}: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const disconnected = (s: TestSocket) =>
  new Promise<string>((resolve) => {
    if (!s.socket.connected) resolve('already');
    s.socket.once('disconnect', (reason) => resolve(reason));
  });

async function meStatus(base: string, cookie: string): Promise<number> {
  return (await call(base, 'GET', '/api/me', { cookie })).status;
}

describe('password change and sign out everywhere', () => {
  const app = useApp();

  test('a wrong current password is 403 WRONG_PASSWORD; the new one is validated like registration', async () => {
    const base = app().url;
    const u = await signUp(base, 'pw_checks');
    expectStatus(await call(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { current: 'not it at all', password: 'a new password' } }), 403, 'WRONG_PASSWORD');
    expectStatus(await call(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { current: PASSWORD, password: 'short' } }), 400);
    expectStatus(await call(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { password: 'a new password' } }), 400);
    expectStatus(await call(base, 'POST', '/api/me/password', { json: { current: PASSWORD, password: 'a new password' } }), 401, 'UNAUTHENTICATED');
    assert.equal(await meStatus(base, u.cookie), 200, 'a refused change ends nothing');
  });

  test('wrong current passwords are rate limited per user, like sign-in guessing', async () => {
    const base = app().url;
    const u = await signUp(base, 'pw_guesser');
    for (let i = 0; i < SETTINGS_LIMITS.passwordChecksPerUser.limit; i++) {
      expectStatus(await call(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { current: `wrong guess ${i}`, password: 'a new password' } }), 403, 'WRONG_PASSWORD');
    }
    expectStatus(await call(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { current: PASSWORD, password: 'a new password' } }), 429, 'RATE_LIMITED');
  });

  test('a change rotates the session, ends every other session and their sockets, and only that user’s', async () => {
    const base = app().url;
    const u = await signUp(base, 'pw_rotate');
    const other = await login(base, 'pw_rotate');
    const bystander = await signUp(base, 'pw_bystander');
    const sockets = [await connect(base, u.cookie), await connect(base, other)];
    const theirs = await connect(base, bystander.cookie);
    after(() => [...sockets, theirs].forEach((s) => s.close()));
    const gone = sockets.map(disconnected);

    const res = await call<{ user: { username: string } }>(base, 'POST', '/api/me/password', { cookie: u.cookie, json: { current: PASSWORD, password: 'a brand new password' } });
    expectStatus(res, 200);
    assert.equal(res.body.user.username, 'pw_rotate');
    const fresh = res.headers.get('set-cookie')!.split(';')[0]!;
    assert.ok(fresh.startsWith('strobe_sid=') && fresh !== u.cookie, 'a new session cookie');
    assert.equal(await meStatus(base, fresh), 200);
    assert.equal(await meStatus(base, u.cookie), 401, 'the old session of this browser ended');
    assert.equal(await meStatus(base, other), 401, 'the other session ended');
    assert.deepEqual(await Promise.all(gone), ['io server disconnect', 'io server disconnect']);
    assert.ok(theirs.socket.connected, "another user's socket stays");
    assert.equal(await meStatus(base, bystander.cookie), 200);
    expectStatus(await call(base, 'POST', '/api/auth/login', { json: { username: 'pw_rotate', password: PASSWORD } }), 401, 'BAD_CREDENTIALS');
    await login(base, 'pw_rotate', 'a brand new password');
  });

  test('logout-all ends every session of the user, this one included, with their sockets', async () => {
    const base = app().url;
    const u = await signUp(base, 'everywhere');
    const other = await login(base, 'everywhere');
    const socket = await connect(base, other);
    after(() => socket.close());
    const gone = disconnected(socket);
    expectStatus(await call(base, 'POST', '/api/auth/logout-all'), 401, 'UNAUTHENTICATED');
    const res = await call(base, 'POST', '/api/auth/logout-all', { cookie: u.cookie });
    expectStatus(res, 204);
    assert.match(res.headers.get('set-cookie') ?? '', /strobe_sid=;/, 'the cookie is cleared');
    assert.equal(await gone, 'io server disconnect');
    assert.equal(await meStatus(base, u.cookie), 401);
    assert.equal(await meStatus(base, other), 401);
    assert.deepEqual(await app().adapters.sessions.listByUser(u.id), []);
    await login(base, 'everywhere'); // the password still works
  });
});

describe('account deletion', () => {
  const app = useApp();

  test('deletes everything the account owned, corrects the counts it touched, keeps its chat messages from "[deleted]"', async () => {
    const base = app().url;
    const db = app().adapters.db;
    const alice = await signUp(base, 'del_alice');
    const bob = await signUp(base, 'del_bob');
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    const mine = [await uploadOk(base, alice.cookie, { file: jpeg, caption: 'one', city: 'paris-fr' }), await uploadOk(base, alice.cookie, { file: jpeg, caption: 'two' })];
    const theirs = await uploadOk(base, bob.cookie, { file: await makeJpeg({ width: 40, height: 40 }), caption: 'bob' });
    for (const p of mine) await readyPhoto(base, p.id, alice.cookie);
    await readyPhoto(base, theirs.id, bob.cookie);
    await jobsSettled(app());
    const [paris] = await db.query<{ photos_count: number }>(`select photos_count from cities where slug = 'paris-fr'`);
    expectStatus(await call(base, 'PUT', `/api/photos/${theirs.id}/like`, { cookie: alice.cookie }), 200);
    expectStatus(await call(base, 'PUT', `/api/photos/${mine[0]!.id}/like`, { cookie: bob.cookie }), 200);
    expectStatus(await call(base, 'POST', `/api/photos/${theirs.id}/comments`, { cookie: alice.cookie, json: { text: 'nice', clientId: 'c1' } }), 201);
    expectStatus(await call(base, 'POST', `/api/photos/${theirs.id}/comments`, { cookie: bob.cookie, json: { text: 'thanks', clientId: 'c2' } }), 201);
    expectStatus(await call(base, 'PUT', '/api/users/del_bob/follow', { cookie: alice.cookie }), 200);
    expectStatus(await call(base, 'PUT', '/api/users/del_alice/follow', { cookie: bob.cookie }), 200);
    await db.query(`insert into chat_messages (room, user_id, client_id, kind, body) values ('lobby', $1, 'm1', 'text', 'hello from alice')`, [alice.id]);
    await jobsSettled(app());
    const before = await call<{ photo: Photo }>(base, 'GET', `/api/photos/${theirs.id}`);
    assert.equal(before.body.photo.likes, 1);
    assert.equal(before.body.photo.comments, 2);
    const displayKeys = (await db.query<{ display_key: string; thumb_key: string }>('select display_key, thumb_key from photos where owner_id = $1', [alice.id])).flatMap((r) => [r.display_key, r.thumb_key]);

    // A socket of bob's watching latest and the photo.
    const watcher = await connect(base, bob.cookie);
    const aliceSocket = await connect(base, alice.cookie);
    after(() => [watcher, aliceSocket].forEach((s) => s.close()));
    const deletedOnLatest: string[] = [];
    const liked: number[] = [];
    watcher.socket.on('event', (env) => {
      if (env.stream === 'latest' && env.type === 'photo.deleted') deletedOnLatest.push((env.data as { id: string }).id);
      if (env.stream === `photo:${theirs.id}` && env.type === 'photo.liked') liked.push((env.data as { likes: number }).likes);
    });
    for (const stream of ['latest', `photo:${theirs.id}`]) {
      const ack = await watcher.socket.timeout(5_000).emitWithAck('subscribe', { stream });
      assert.equal((ack as { ok: boolean }).ok, true);
    }
    const aliceGone = disconnected(aliceSocket);

    expectStatus(await call(base, 'DELETE', '/api/me', { cookie: alice.cookie, json: {} }), 400);
    expectStatus(await call(base, 'DELETE', '/api/me', { cookie: alice.cookie, json: { password: 'not my password' } }), 403, 'WRONG_PASSWORD');
    expectStatus(await call(base, 'DELETE', '/api/me', { json: { password: PASSWORD } }), 401);
    const res = await call<{ status: string }>(base, 'DELETE', '/api/me', { cookie: alice.cookie, json: { password: PASSWORD } });
    expectStatus(res, 202);
    assert.equal(res.body.status, 'deleting');
    assert.equal(await aliceGone, 'io server disconnect', "the account's sockets end");
    assert.equal(await meStatus(base, alice.cookie), 401);
    expectStatus(await call(base, 'POST', '/api/auth/login', { json: { username: 'del_alice', password: PASSWORD } }), 401, 'BAD_CREDENTIALS');
    const latest = await call<Page<Photo>>(base, 'GET', '/api/feeds/latest');
    assert.deepEqual(latest.body.items.map((p) => p.id), [theirs.id], 'her photos left the feeds at once');
    expectStatus(await call(base, 'GET', '/api/users/del_alice'), 404);

    await jobsSettled(app());
    await until('the deletion to finish', async () => (await db.query<{ username: string | null }>('select username from users where id = $1', [alice.id]))[0]!.username, (u) => u === null);
    await jobsSettled(app());

    const count = async (sql: string) => (await db.query<{ n: number }>(sql, [alice.id]))[0]!.n;
    assert.equal(await count('select count(*)::int as n from photos where owner_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from likes where user_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from comments where user_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from follows where follower_id = $1 or followee_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from notifications where user_id = $1 or actor_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from home_timeline where user_id = $1'), 0);
    assert.equal(await count('select count(*)::int as n from sessions where user_id = $1'), 0);
    for (const key of displayKeys) assert.equal(await app().adapters.media.stat(key), null, `${key} was purged`);
    const [parisAfter] = await db.query<{ photos_count: number }>(`select photos_count from cities where slug = 'paris-fr'`);
    assert.equal(parisAfter!.photos_count, paris!.photos_count - 1, "the city's count lost her photo");

    const after1 = await call<{ photo: Photo }>(base, 'GET', `/api/photos/${theirs.id}`);
    assert.equal(after1.body.photo.likes, 0, "her like left bob's photo's count");
    assert.equal(after1.body.photo.comments, 1, "her comment left bob's photo's count");
    const profile = await call<Profile>(base, 'GET', '/api/users/del_bob');
    assert.deepEqual(profile.body.counts, { photos: 1, followers: 0, following: 0 });
    const comments = await call<Page<{ user: { username: string } }>>(base, 'GET', `/api/photos/${theirs.id}/comments`);
    assert.deepEqual(comments.body.items.map((c) => c.user.username), ['del_bob']);
    assert.deepEqual([...deletedOnLatest].sort(), mine.map((p) => p.id).sort(), 'photo.deleted on latest for each of her photos');
    assert.deepEqual(liked.at(-1), 0, 'photo.liked with the corrected count');

    const chat = await call<Page<ChatMessage>>(base, 'GET', '/api/chat/rooms/lobby/messages', { cookie: bob.cookie });
    const hers = chat.body.items.find((m) => m.text === 'hello from alice');
    assert.ok(hers, 'her chat message stays');
    assert.deepEqual(hers.user, { id: alice.id, username: '[deleted]', displayName: '[deleted]', bio: '', avatar: null });

    // The username is held for 30 days, then free.
    expectStatus(await call(base, 'POST', '/api/auth/register', { json: { username: 'del_alice', password: PASSWORD } }), 409, 'USERNAME_TAKEN');
    await db.query(`update username_holds set until = now() - interval '1 second' where username = 'del_alice'`);
    const again = await signUp(base, 'del_alice');
    assert.notEqual(again.id, alice.id, 'a new account');
    assert.deepEqual((await call<Profile>(base, 'GET', '/api/users/del_alice')).body.counts, { photos: 0, followers: 0, following: 0 });
  });

  test('a deletion interrupted after its first batch resumes and finishes; nothing is ever half-deleted', async () => {
    const base = app().url;
    const db = app().adapters.db;
    const carol = await signUp(base, 'int_carol');
    const dave = await signUp(base, 'int_dave');
    // Rows written directly: 5 ready photos of carol's, 5 of dave's that carol likes.
    const photoIds = async (owner: Session) =>
      (
        await db.query<{ id: string }>(
          `insert into photos (owner_id, caption, status, likes_count) select $1, 'p' || g, 'ready', 0 from generate_series(1, 5) g returning id`,
          [owner.id],
        )
      ).map((r) => r.id);
    const carols = await photoIds(carol);
    const daves = await photoIds(dave);
    await db.query(`insert into likes (photo_id, user_id) select unnest($1::bigint[]), $2`, [daves, carol.id]);
    await db.query(`update photos set likes_count = 1 where id = any($1::bigint[])`, [daves]);
    await db.query(`insert into home_timeline (user_id, photo_id) select $1, unnest($2::bigint[])`, [dave.id, carols]);

    // The account.delete job is left in the queue; this test runs the handler itself.
    await app().adapters.jobs.stop();
    expectStatus(await call(base, 'DELETE', '/api/me', { cookie: carol.cookie, json: { password: PASSWORD } }), 202);
    const [queued] = await db.query<{ payload: { userId: string } }>(`select payload from jobs where name = 'account.delete' and status = 'pending'`);
    assert.deepEqual(queued?.payload, { userId: carol.id });

    const adapters = app().adapters;
    const social = new SocialService({ db, bus: adapters.bus, limiter: adapters.limiter });
    const deps: AccountJobsDeps = {
      db,
      bus: adapters.bus,
      sessions: new Sessions({ store: adapters.sessions, db, secret: adapters.sessionSecret, ttlMs: 60_000, adminUsers: new Set() }),
      photos: new PhotosService({ db, bus: adapters.bus, limiter: adapters.limiter, uploads: adapters.uploads, media: adapters.media, cities: new CitiesService(db), social }),
      social,
      media: adapters.media,
      uploads: adapters.uploads,
      log: { warn: () => {} },
      batch: 2,
    };
    let batches = 0;
    const crash = { ...deps, afterBatch: () => { if (++batches === 1) throw new Error('the worker died'); } };
    await assert.rejects(deleteAccountData(crash, carol.id), /the worker died/);
    const left = await db.query<{ id: string; status: string }>('select id, status from photos where owner_id = $1 order by id', [carol.id]);
    assert.equal(left.length, 3, 'the first batch of 2 photos is gone, whole');
    assert.ok(left.every((p) => p.status === 'deleting'), 'the rest stay hidden');
    const homes = await db.query<{ photo_id: string }>('select photo_id from home_timeline where user_id = $1', [dave.id]);
    assert.deepEqual(homes.map((h) => h.photo_id).sort(), left.map((p) => p.id).sort(), 'no home row of a deleted photo is left');

    // The retry (or a redelivery after a crash) carries on, and a further redelivery changes nothing.
    batches = 1;
    await deleteAccountData(crash, carol.id);
    await deleteAccountData(deps, carol.id);
    assert.equal((await db.query('select 1 from photos where owner_id = $1', [carol.id])).length, 0);
    assert.equal((await db.query('select 1 from likes where user_id = $1', [carol.id])).length, 0);
    const counts = await db.query<{ likes_count: number }>('select likes_count from photos where id = any($1::bigint[])', [daves]);
    assert.deepEqual(counts.map((c) => c.likes_count), [0, 0, 0, 0, 0], 'each like left its count exactly once');
    const [row] = await db.query<{ username: string | null; password_hash: string | null; deleted_at: Date | null }>('select username, password_hash, deleted_at from users where id = $1', [carol.id]);
    assert.equal(row!.username, null);
    assert.equal(row!.password_hash, null);
    assert.ok(row!.deleted_at);
  });
});

describe('data export', () => {
  const app = useApp();

  test('builds a zip of the user’s data and images, notifies them, serves it to them only, until it expires', async () => {
    const base = app().url;
    const erin = await signUp(base, 'exp_erin');
    const frank = await signUp(base, 'exp_frank');
    const photo = await uploadOk(base, erin.cookie, { file: await makeJpeg({ width: 80, height: 60 }), caption: 'sunset' });
    await readyPhoto(base, photo.id, erin.cookie);
    expectStatus(await call(base, 'PUT', `/api/photos/${photo.id}/like`, { cookie: erin.cookie }), 200);
    expectStatus(await call(base, 'POST', `/api/photos/${photo.id}/comments`, { cookie: erin.cookie, json: { text: 'mine', clientId: 'x1' } }), 201);
    expectStatus(await call(base, 'PUT', '/api/users/exp_frank/follow', { cookie: erin.cookie }), 200);
    expectStatus(await call(base, 'PUT', '/api/users/exp_erin/follow', { cookie: frank.cookie }), 200);
    await jobsSettled(app());

    expectStatus(await call(base, 'POST', '/api/me/export'), 401);
    const res = await call<{ export: { id: string; status: string; url: string; expiresAt: string } }>(base, 'POST', '/api/me/export', { cookie: erin.cookie });
    expectStatus(res, 202);
    assert.equal(res.body.export.status, 'pending');
    assert.equal(res.body.export.url, `/api/me/exports/${res.body.export.id}`);
    expectStatus(await call(base, 'POST', '/api/me/export', { cookie: erin.cookie }), 429, 'RATE_LIMITED');

    const ready = await until(
      'the export.ready notification',
      async () => (await call<{ items: Notification[] }>(base, 'GET', '/api/notifications', { cookie: erin.cookie })).body.items.find((n) => n.type === 'export.ready'),
      (n) => n !== undefined,
    );
    assert.deepEqual(ready!.export, { id: res.body.export.id, url: res.body.export.url });

    const zipRes = await fetch(`${base}${res.body.export.url}`, { headers: { cookie: erin.cookie } });
    assert.equal(zipRes.status, 200);
    assert.equal(zipRes.headers.get('content-type'), 'application/zip');
    assert.match(zipRes.headers.get('content-disposition') ?? '', /attachment; filename="strobe-exp_erin-/);
    const files = await unzip(Buffer.from(await zipRes.arrayBuffer()));
    assert.deepEqual(
      [...files.keys()].sort(),
      ['comments.json', 'follows.json', 'likes.json', 'notifications.json', `photos/${photo.id}.webp`, 'photos.json', 'profile.json'].sort(),
    );
    const json = (name: string) => JSON.parse(files.get(name)!.toString('utf8'));
    assert.deepEqual({ ...json('profile.json'), createdAt: undefined }, { id: erin.id, username: 'exp_erin', displayName: 'exp_erin', bio: '', avatar: null, isAdmin: true, createdAt: undefined }, 'the first account of the instance');
    assert.deepEqual(json('photos.json').map((p: { id: string; caption: string; image: string }) => [p.id, p.caption, p.image]), [[photo.id, 'sunset', `photos/${photo.id}.webp`]]);
    assert.deepEqual(json('comments.json').map((c: { text: string; photoId: string }) => [c.photoId, c.text]), [[photo.id, 'mine']]);
    const follows = json('follows.json');
    assert.deepEqual([follows.following.map((f: { username: string }) => f.username), follows.followers.map((f: { username: string }) => f.username)], [['exp_frank'], ['exp_frank']]);
    assert.deepEqual(json('likes.json').map((l: { photoId: string }) => l.photoId), [photo.id]);
    assert.ok(json('notifications.json').some((n: { type: string; actor: string }) => n.type === 'follow' && n.actor === 'exp_frank'));
    const image = files.get(`photos/${photo.id}.webp`)!;
    assert.equal(image.subarray(8, 12).toString('latin1'), 'WEBP');
    const [p] = await app().adapters.db.query<{ display_key: string }>('select display_key from photos where id = $1', [photo.id]);
    const media = await app().adapters.media.get(p!.display_key);
    const chunks: Buffer[] = [];
    for await (const c of media!.body) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(image), 'the display image itself');

    // Only its owner, signed in; not under /media.
    expectStatus(await call(base, 'GET', res.body.export.url, { cookie: frank.cookie }), 404, 'NOT_FOUND');
    expectStatus(await call(base, 'GET', res.body.export.url), 401);
    expectStatus(await call(base, 'GET', '/api/me/exports/999999', { cookie: erin.cookie }), 404);
    const [row] = await app().adapters.db.query<{ blob_key: string }>('select blob_key from account_exports where id = $1', [res.body.export.id]);
    expectStatus(await call(base, 'GET', `/media/${row!.blob_key}`), 404);

    // Expired: not served, and purged with its file.
    await app().adapters.db.query(`update account_exports set expires_at = now() - interval '1 second' where id = $1`, [res.body.export.id]);
    expectStatus(await call(base, 'GET', res.body.export.url, { cookie: erin.cookie }), 404);
    assert.ok(await app().adapters.uploads.stat(row!.blob_key), 'the file is there until the purge');
    assert.equal(await purgeExpiredExports(app().adapters), 1);
    assert.equal(await app().adapters.uploads.stat(row!.blob_key), null);
    assert.equal((await app().adapters.db.query('select 1 from account_exports where id = $1', [res.body.export.id])).length, 0);
  });
});

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
