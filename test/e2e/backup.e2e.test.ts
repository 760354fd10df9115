// `strobe backup` and `strobe restore` as an operator runs them: real server processes, the CLI as a
// child process, uploads going on while the backup is written, a restore into an empty Strobe, and
// then every account, photo (with the bytes it serves), comment, like, follow, profile, avatar, chat
// and private message checked on a server started on the restored data. Embedded mode and cluster
// mode (PostgreSQL, with files in DATA_DIR and in S3), and the refusals.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import type { Comment, Page, Photo, Profile, PublicUser } from '../../src/shared/api.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, readyPhoto, signUp, until, upload, uploadOk, type Session } from '../helpers/photos.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';
import { connect } from '../helpers/sockets.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);
const PASSWORD = 'correct horse';

/** Runs the real CLI; never throws on a non-zero exit. */
async function strobe(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function bytesOf(base: string, path: string): Promise<{ status: number; sha: string }> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, sha: sha(Buffer.from(await res.arrayBuffer())) };
}

/** What the source held before the backup began; all of it must come back. */
interface World {
  users: Session[];
  photos: Photo[];
  comments: Map<string, string[]>;
  likes: Map<string, number>;
  follows: [string, string][];
  profile: PublicUser;
  chat: string[];
  dm: { conversationId: string; texts: string[] };
  /** Media path -> SHA-256 of the bytes the source served. */
  media: Map<string, string>;
}

async function populate(base: string, prefix: string): Promise<World> {
  const users: Session[] = [];
  for (const name of ['ann', 'bob', 'cat', 'dan']) users.push(await signUp(base, `${prefix}${name}`, PASSWORD));
  const [ann, bob, cat, dan] = users as [Session, Session, Session, Session];
  const follows: [string, string][] = [
    [bob.username, ann.username],
    [cat.username, ann.username],
    [ann.username, bob.username],
    [dan.username, cat.username],
  ];
  for (const [who, whom] of follows) expectStatus(await call(base, 'PUT', `/api/users/${whom}/follow`, { cookie: users.find((u) => u.username === who)!.cookie }), 200);

  // A profile with a display name, a bio and an avatar (a job crops it).
  expectStatus(await call(base, 'PATCH', '/api/me', { cookie: ann.cookie, json: { displayName: 'Ann Backup', bio: 'Film photographer. #film' } }), 200);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await makeJpeg({ width: 120, height: 90 }))], { type: 'image/jpeg' }), 'me.jpg');
  expectStatus(await call(base, 'PUT', '/api/me/avatar', { cookie: ann.cookie, body: form }), 202);
  const profile = (
    await until(
      'the avatar',
      () => call<Profile>(base, 'GET', `/api/users/${ann.username}`),
      (r) => r.body.user?.avatar !== null,
    )
  ).body.user;

  const photos: Photo[] = [];
  for (const [i, owner] of users.entries()) {
    for (let n = 0; n < 3; n++) {
      const p = await uploadOk(base, owner.cookie, { file: await makeJpeg({ width: 80 + n, height: 60 + i }), caption: `${owner.username} photo ${n} #backup${n}` });
      photos.push(p);
    }
  }
  for (const [i, p] of photos.entries()) photos[i] = await readyPhoto(base, p.id, users.find((u) => u.id === p.owner.id)!.cookie, 60_000);

  const comments = new Map<string, string[]>();
  const likes = new Map<string, number>();
  for (const [i, p] of photos.entries()) {
    const texts: string[] = [];
    for (const [j, writer] of users.entries()) {
      if ((i + j) % 3 !== 0) continue;
      const text = `comment ${i}.${j} by ${writer.username}`;
      expectStatus(await call(base, 'POST', `/api/photos/${p.id}/comments`, { cookie: writer.cookie, json: { text, clientId: `c-${i}-${j}` } }), 201);
      texts.push(text);
    }
    comments.set(p.id, texts);
    let n = 0;
    for (const [j, liker] of users.entries()) {
      if ((i + j) % 2 !== 0) continue;
      expectStatus(await call(base, 'PUT', `/api/photos/${p.id}/like`, { cookie: liker.cookie }), 200);
      n++;
    }
    likes.set(p.id, n);
  }

  const chat: string[] = [];
  const s = await connect(base, bob.cookie);
  try {
    for (let i = 0; i < 3; i++) {
      const text = `lobby line ${i}`;
      const ack = (await s.socket.timeout(10_000).emitWithAck('chat:send', { room: 'lobby', text, clientId: `chat-${i}` })) as { ok: boolean };
      assert.ok(ack.ok, JSON.stringify(ack));
      chat.push(text);
    }
  } finally {
    s.close();
  }

  const conv = await call<{ conversation: { id: string } }>(base, 'POST', '/api/conversations', { cookie: ann.cookie, json: { username: cat.username } });
  assert.ok(conv.status === 200 || conv.status === 201, JSON.stringify(conv.body));
  const texts: string[] = [];
  for (const [i, from] of [ann, cat, ann].entries()) {
    const text = `private ${i}`;
    const sent = await call(base, 'POST', `/api/conversations/${conv.body.conversation.id}/messages`, { cookie: from.cookie, json: { text, clientId: `dm-${i}` } });
    assert.ok(sent.status === 200 || sent.status === 201, JSON.stringify(sent.body));
    texts.push(text);
  }

  const media = new Map<string, string>();
  const paths = [...photos.flatMap((p) => [p.variants!.thumb, p.variants!.display]), ...Object.values(profile.avatar ?? {})].map((u) => new URL(u, base).pathname);
  for (const path of paths) {
    const got = await bytesOf(base, path);
    assert.equal(got.status, 200, path);
    media.set(path, got.sha);
  }
  // The photos are read again so that likes and comment counts are the ones the backup sees.
  for (const [i, p] of photos.entries()) photos[i] = (await call<{ photo: Photo }>(base, 'GET', `/api/photos/${p.id}`)).body.photo;
  return { users, photos, comments, likes, follows, profile, chat, dm: { conversationId: conv.body.conversation.id, texts }, media };
}

/** Keeps uploading (three users in turn) until stopped; returns the ids the server accepted. */
function keepUploading(base: string, users: Session[], signal: AbortSignal): Promise<string[]> {
  return (async () => {
    const ids: string[] = [];
    // Up to 25 photos a user: the upload rate limit is 30 per 10 minutes.
    for (let i = 0; !signal.aborted && i < 25 * users.length; i++) {
      const owner = users[i % users.length]!;
      const res = await upload(base, owner.cookie, { file: await makeJpeg({ width: 64 + (i % 7), height: 48 }), caption: `during the backup ${i}` });
      if (res.status === 202) ids.push(res.body.photo.id);
      await delay(100);
    }
    return ids;
  })();
}

async function signIn(base: string, s: Session): Promise<Session> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: s.username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `sign in ${s.username}: ${res.status} ${await res.clone().text()}`);
  return { ...s, cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

/** Everything in `world` is on the restored server, photos taken during the backup are whole or absent, and nothing is stuck. */
async function verify(base: string, world: World, during: { id: string; owner: Session }[]): Promise<void> {
  // Sessions are not part of a backup: the old cookie is signed out, the password still works.
  expectStatus(await call(base, 'GET', '/api/me', { cookie: world.users[0]!.cookie }), 401);
  const users = await Promise.all(world.users.map((u) => signIn(base, u)));
  const [ann, , cat] = users as [Session, Session, Session, Session];

  for (const before of world.photos) {
    const res = await call<{ photo: Photo }>(base, 'GET', `/api/photos/${before.id}`);
    expectStatus(res, 200);
    const after = res.body.photo;
    assert.deepEqual(
      { ...after, liked: undefined, owner: after.owner.id },
      { ...before, liked: undefined, owner: before.owner.id },
      `photo ${before.id} is as it was`,
    );
    assert.equal(after.likes, world.likes.get(before.id));
    const comments = await call<Page<Comment>>(base, 'GET', `/api/photos/${before.id}/comments`, { cookie: ann.cookie });
    expectStatus(comments, 200);
    assert.deepEqual(comments.body.items.map((c) => c.text).sort(), [...world.comments.get(before.id)!].sort(), `the comments of photo ${before.id}`);
  }
  for (const [path, digest] of world.media) assert.deepEqual(await bytesOf(base, path), { status: 200, sha: digest }, `the bytes of ${path}`);

  for (const [who, whom] of world.follows) {
    const viewer = users.find((u) => u.username === who)!;
    const profile = await call<Profile>(base, 'GET', `/api/users/${whom}`, { cookie: viewer.cookie });
    assert.equal(profile.body.following, true, `${who} follows ${whom}`);
  }
  const annProfile = await call<Profile>(base, 'GET', `/api/users/${ann.username}`);
  assert.deepEqual(annProfile.body.user, world.profile, 'display name, bio and avatar');
  assert.deepEqual(annProfile.body.counts.followers, 2);

  const chat = await call<Page<{ text: string }>>(base, 'GET', '/api/chat/rooms/lobby/messages', { cookie: ann.cookie });
  assert.deepEqual(chat.body.items.map((m) => m.text).sort(), [...world.chat].sort());
  const dms = await call<Page<{ text: string }>>(base, 'GET', `/api/conversations/${world.dm.conversationId}/messages`, { cookie: cat.cookie });
  expectStatus(dms, 200);
  assert.deepEqual(dms.body.items.map((m) => m.text).sort(), [...world.dm.texts].sort());

  // Photos uploaded while the backup ran: those in the snapshot come back and finish processing
  // (none waits forever for a job that went with the old process); the others are simply absent.
  let restored = 0;
  let maxOld = Math.max(...world.photos.map((p) => Number(p.id)));
  for (const { id, owner } of during) {
    const cookie = users.find((u) => u.id === owner.id)!.cookie;
    const res = await call<{ photo: Photo }>(base, 'GET', `/api/photos/${id}`, { cookie });
    if (res.status === 404) continue;
    restored++;
    maxOld = Math.max(maxOld, Number(id));
    const ready = await readyPhoto(base, id, cookie, 60_000);
    for (const path of [ready.variants!.thumb, ready.variants!.display]) assert.equal((await bytesOf(base, new URL(path, base).pathname)).status, 200);
  }
  // New rows get new ids: the sequences went past every id of the snapshot (ids handed out after
  // it belong to rows the restore rolled back, and may be handed out again).
  const fresh = await uploadOk(base, ann.cookie, { file: await makeJpeg({ width: 50, height: 50 }) });
  assert.ok(Number(fresh.id) > maxOld, `a new photo gets id ${fresh.id}, past ${maxOld}`);
  await readyPhoto(base, fresh.id, ann.cookie, 60_000);
  console.log(`# ${restored} of ${during.length} photo(s) uploaded during the backup were in its snapshot`);
}

/** Counts kept by triggers and jobs agree with the rows they count (the load ran with triggers off). */
async function checkCounters(query: <T>(sql: string) => Promise<T[]>): Promise<void> {
  const bad = await query<{ what: string; n: number }>(`
    select 'comments_count' as what, count(*)::int as n from photos p where comments_count <> (select count(*) from comments c where c.photo_id = p.id)
    union all select 'likes_count', count(*)::int from photos p where likes_count <> (select count(*) from likes l where l.photo_id = p.id)
    union all select 'tag photos_count', count(*)::int from tags t where photos_count <> (select count(*) from photo_tags pt where pt.tag_id = t.id)
    union all select 'city photos_count', count(*)::int from cities c where photos_count <> (select count(*) from photos p where p.city_id = c.id and p.status = 'ready')
    union all select 'processing photos', count(*)::int from photos where status = 'processing'`);
  assert.deepEqual(bad.filter((b) => b.n > 0), []);
}

describe('embedded mode', () => {
  test('a backup of a running server, taken while uploads go on, restores whole into an empty Strobe', { timeout: 600_000 }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'strobe-backup-e2e-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const source = await startServer();
    t.after(() => source.close());
    const world = await populate(source.url, 'e');

    const stop = new AbortController();
    const uploads = keepUploading(source.url, world.users.slice(0, 3), stop.signal);
    await delay(300); // uploads are under way before the snapshot is taken
    const file = join(work, 'strobe.backup');
    const backup = await strobe(['backup', file], { DATA_DIR: source.dataDir });
    stop.abort();
    const duringIds = await uploads;
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stderr, /the running Strobe wrote the backup/);
    assert.match(backup.stdout, /wrote .*strobe\.backup/);
    assert.match(backup.stdout, /4 accounts/);
    console.log(`# backup:\n${backup.stdout}${backup.stderr}`);
    const owners = new Map(world.users.map((u) => [u.id, u]));
    const during: { id: string; owner: Session }[] = [];
    for (const id of duringIds) during.push({ id, owner: owners.get((await call<{ photo: Photo }>(source.url, 'GET', `/api/photos/${id}`, { cookie: world.users[0]!.cookie })).body.photo?.owner.id ?? '')! });
    assert.ok(existsSync(join(source.dataDir, 'run', 'control.sock')), 'the control socket is there while the server runs');
    await source.stop();
    assert.ok(!existsSync(join(source.dataDir, 'run', 'control.sock')), 'and removed when it stops');

    // An empty Strobe: a data dir that was set up (migrated) but has no accounts.
    const target = await freshDataDir();
    t.after(() => rmSync(target, { recursive: true, force: true }));
    const restore = await strobe(['restore', file], { DATA_DIR: target });
    assert.equal(restore.code, 0, restore.stderr);
    console.log(`# restore:\n${restore.stdout}${restore.stderr}`);
    assert.match(restore.stdout, /4 accounts, (1[2-9]|[2-9]\d) photos/);
    assert.ok(existsSync(join(target, 'session-secret')));
    assert.equal(readFileSync(join(target, 'session-secret'), 'utf8'), readFileSync(join(source.dataDir, 'session-secret'), 'utf8'), 'the session secret came along');

    const restored = await startServer({ dataDir: target });
    t.after(() => restored.kill());
    await verify(restored.url, world, during.filter((d) => d.owner));
    await restored.stop();
    const { openPglite } = await import('../../src/adapters/db/pglite.js');
    const db = await openPglite(join(target, 'db'));
    try {
      await checkCounters((sql) => db.query(sql));
    } finally {
      await db.close();
    }
  });

  test('refusals: an existing FILE, an unwritable path, a restore while the server runs, a target with accounts, a damaged archive', { timeout: 300_000 }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'strobe-backup-e2e-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const server = await startServer();
    t.after(() => server.close());
    const alice = await signUp(server.url, 'refusal_alice');
    await readyPhoto(server.url, (await uploadOk(server.url, alice.cookie, { file: await makeJpeg({ width: 40, height: 30 }) })).id, alice.cookie);
    const env = { DATA_DIR: server.dataDir };

    const file = join(work, 'b.tar');
    writeFileSync(file, 'precious');
    const exists = await strobe(['backup', file], env);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /exists: pass --force to overwrite it/);
    assert.equal(readFileSync(file, 'utf8'), 'precious', 'left alone');
    const forced = await strobe(['backup', file, '--force'], env);
    assert.equal(forced.code, 0, forced.stderr);

    const unwritable = await strobe(['backup', join(work, 'no', 'such', 'dir', 'b.tar')], env);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /cannot write .*no such file or directory/i);
    const listing = await strobe(['backup', join(work, 'c.tar'), '--s3-listing'], env);
    assert.equal(listing.code, 2);
    assert.match(listing.stderr, /--s3-listing is for photos kept in S3/);

    const busy = await strobe(['restore', file], env);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /a Strobe is running on this DATA_DIR: stop it first/);
    await server.stop();
    // With no server running the CLI opens the data dir itself.
    const offline = await strobe(['backup', join(work, 'offline.tar')], env);
    assert.equal(offline.code, 0, offline.stderr);
    assert.doesNotMatch(offline.stderr, /the running Strobe/);
    assert.match(offline.stdout, /1 accounts, 1 photos/);
    const full = await strobe(['restore', file], env);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /the target is not empty: it has 1 account/);

    const target = await freshDataDir();
    t.after(() => rmSync(target, { recursive: true, force: true }));
    const good = readFileSync(file);
    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, good.subarray(0, Math.floor(good.length * 0.6)));
    const cut = await strobe(['restore', truncated], { DATA_DIR: target });
    assert.equal(cut.code, 65, cut.stderr);
    assert.match(cut.stderr, /truncated/);
    const notTar = join(work, 'photo.jpg');
    writeFileSync(notTar, await makeJpeg({ width: 20, height: 20 }));
    const wrong = await strobe(['restore', notTar], { DATA_DIR: target });
    assert.equal(wrong.code, 65, wrong.stderr);
    assert.match(wrong.stderr, /not a tar file|not a Strobe backup/);
    const missing = await strobe(['restore', join(work, 'nope.tar')], { DATA_DIR: target });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    // Nothing of the refused archives reached the target.
    const { openPglite } = await import('../../src/adapters/db/pglite.js');
    const db = await openPglite(join(target, 'db'));
    try {
      assert.deepEqual(await db.query('select count(*)::int as n from users'), [{ n: 0 }]);
      assert.deepEqual(await db.query('select count(*)::int as n from photos'), [{ n: 0 }]);
    } finally {
      await db.close();
    }
  });
});

const clusterUp = await servicesUp(['postgres', 'redis', 'amqp']);

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: { address: string; port: number; silent: boolean; directory: string }) => S3rverServer;

/** A cluster-mode Strobe (one process: web and worker) on a database, vhost and key prefix of its own. */
async function clusterServer(t: TestContext, env: Record<string, string>, database?: { url: string }): Promise<{ server: RunningServer; env: Record<string, string> }> {
  const [db, vhost] = await Promise.all([database ? Promise.resolve(undefined) : freshPostgres(), freshVhost()]);
  const prefix = `strobe-backup:${RUN_ID}:${randomBytes(3).toString('hex')}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'strobe-backup-cluster-'));
  t.after(async () => {
    await db?.dispose();
    await vhost.dispose();
    await deleteRedisKeys(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const all = {
    DATABASE_URL: database?.url ?? db!.url,
    REDIS_URL: SERVICES.redis,
    AMQP_URL: vhost.url,
    REDIS_PREFIX: prefix,
    SESSION_SECRET: 'backup-e2e-session-secret-of-enough-length-0123456789',
    REGISTRATION: 'open',
    DATA_DIR: dataDir,
    ...env,
  };
  const server = await startServer({ dataDir, env: all });
  t.after(() => server.kill());
  return { server, env: all };
}

describe('cluster mode', { skip: !clusterUp }, () => {
  test('PostgreSQL and files in DATA_DIR: a backup while uploads go on restores into a new database', { timeout: 600_000 }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'strobe-backup-e2e-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const { server: source, env } = await clusterServer(t, {});
    const world = await populate(source.url, 'k');
    const stop = new AbortController();
    const uploads = keepUploading(source.url, world.users.slice(0, 3), stop.signal);
    await delay(300);
    const file = join(work, 'cluster.backup');
    const backup = await strobe(['backup', file], env);
    stop.abort();
    const duringIds = await uploads;
    assert.equal(backup.code, 0, backup.stderr);
    console.log(`# backup:\n${backup.stdout}${backup.stderr}`);
    const owners = new Map(world.users.map((u) => [u.id, u]));
    const during: { id: string; owner: Session }[] = [];
    for (const id of duringIds) during.push({ id, owner: owners.get((await call<{ photo: Photo }>(source.url, 'GET', `/api/photos/${id}`, { cookie: world.users[0]!.cookie })).body.photo?.owner.id ?? '')! });
    await source.stop();

    // A new, empty database (no schema at all), a new vhost, a new DATA_DIR for the files.
    const db = await freshPostgres();
    t.after(() => db.dispose());
    const targetDir = mkdtempSync(join(tmpdir(), 'strobe-backup-cluster-'));
    t.after(() => rmSync(targetDir, { recursive: true, force: true }));
    const restore = await strobe(['restore', file], { ...env, DATABASE_URL: db.url, DATA_DIR: targetDir });
    assert.equal(restore.code, 0, restore.stderr);
    console.log(`# restore:\n${restore.stdout}${restore.stderr}`);
    const { server: restored } = await clusterServer(t, { DATA_DIR: targetDir }, db);
    await verify(restored.url, world, during.filter((d) => d.owner));
    await restored.stop();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await checkCounters(async (sql) => (await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  });

  test('S3: the files are in the archive by default, or only listed with --s3-listing', { timeout: 600_000 }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'strobe-backup-e2e-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3') });
    const { port } = await s3.run();
    t.after(() => s3.close());
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    t.after(() => client.destroy());
    for (const bucket of ['strobe-source', 'strobe-target']) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const s3Env = (bucket: string) => ({ S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' });

    const { server: source, env } = await clusterServer(t, s3Env('strobe-source'));
    const owner = await signUp(source.url, 's3_owner', PASSWORD);
    const photos: Photo[] = [];
    for (let i = 0; i < 4; i++) photos.push(await readyPhoto(source.url, (await uploadOk(source.url, owner.cookie, { file: await makeJpeg({ width: 60 + i, height: 40 }) })).id, owner.cookie, 60_000));
    const media = new Map<string, string>();
    for (const p of photos) for (const u of [p.variants!.thumb, p.variants!.display]) media.set(new URL(u, source.url).pathname, (await bytesOf(source.url, new URL(u, source.url).pathname)).sha);

    const full = join(work, 'full.backup');
    const listed = join(work, 'listed.backup');
    const a = await strobe(['backup', full], env);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /8 file\(s\)/);
    const b = await strobe(['backup', listed, '--s3-listing'], env);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /8 file\(s\) listed, not included/);
    const entries = async (f: string) => (await run('tar', ['-tf', f])).stdout.split('\n').filter(Boolean);
    assert.equal((await entries(full)).filter((e) => e.startsWith('blobs/media/')).length, 8);
    assert.deepEqual((await entries(listed)).filter((e) => e.startsWith('blobs/')), [], 'a listing holds no photo bytes');
    await source.stop();

    // The full archive into an empty bucket: the files come back from the archive.
    const db1 = await freshPostgres();
    t.after(() => db1.dispose());
    const restore = await strobe(['restore', full], { ...env, ...s3Env('strobe-target'), DATABASE_URL: db1.url });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /8 file\(s\) copied/);
    const { server: restored } = await clusterServer(t, s3Env('strobe-target'), db1);
    const again = await signIn(restored.url, owner);
    for (const p of photos) expectStatus(await call(restored.url, 'GET', `/api/photos/${p.id}`, { cookie: again.cookie }), 200);
    for (const [path, digest] of media) assert.deepEqual(await bytesOf(restored.url, path), { status: 200, sha: digest }, path);
    await restored.stop();

    // The listing: refused where the bucket lacks the files, accepted where they are (the source bucket).
    const db2 = await freshPostgres();
    t.after(() => db2.dispose());
    await client.send(new CreateBucketCommand({ Bucket: 'strobe-empty' }));
    const lacking = await strobe(['restore', listed], { ...env, ...s3Env('strobe-empty'), DATABASE_URL: db2.url });
    assert.equal(lacking.code, 1);
    assert.match(lacking.stderr, /8 of 8 are not in the target's store .*restore the bucket first/);
    const ok = await strobe(['restore', listed], { ...env, DATABASE_URL: db2.url });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /8 file\(s\) checked present in the bucket/);
  });
});
