// The photo jobs against a real PGlite: fan-out in set-based batches, and a pipeline that survives
// a crash mid-resize (retried, ready once, in no feed twice) or gives up with a reason the owner sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DbJobRunner } from '../../src/adapters/db/job-runner.js';
import { FsBlobStore } from '../../src/adapters/fs/blobs.js';
import { MemoryBus } from '../../src/adapters/memory/bus.js';
import { MemoryRateLimiter } from '../../src/adapters/memory/rate-limit.js';
import { CitiesService } from '../../src/features/cities/cities.service.js';
import { NotificationsService } from '../../src/features/notifications/notifications.service.js';
import { FANOUT_BATCH, fanout, GAVE_UP, registerPhotoJobs, resized, type PipelineDeps } from '../../src/features/photos/photos.pipeline.js';
import { resizeFor, resizeRequest } from '../../src/features/photos/resizer.js';
import { deletePhoto, insertPhoto } from '../../src/features/photos/photos.repo.js';
import { SocialService } from '../../src/features/social/social.service.js';
import { enqueue } from '../../src/jobs/outbox.js';
import { blobKey, type BlobStore } from '../../src/ports/blobs.js';
import type { Db } from '../../src/ports/db.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { openFreshDb } from '../helpers/data-dir.js';
import { makeJpeg } from '../helpers/images.js';

interface World {
  db: Db;
  deps: PipelineDeps;
  bus: MemoryBus;
  /** Every event published, by stream. */
  published: Envelope[];
  queries: { count: number };
}

async function world(t: TestContext, opts: { media?: (store: BlobStore) => BlobStore } = {}): Promise<World> {
  const fresh = await openFreshDb();
  const dir = mkdtempSync(join(tmpdir(), 'strobe-pipeline-'));
  t.after(async () => {
    await fresh.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const queries = { count: 0 };
  // Counts round trips: the fan-out must not make one per follower.
  const db: Db = {
    ...fresh.db,
    query: (sql, params) => {
      queries.count++;
      return fresh.db.query(sql, params);
    },
    tx: (fn) => fresh.db.tx(fn),
  };
  const bus = new MemoryBus({ windowMs: 60_000, maxEvents: 100_000 });
  t.after(() => bus.close());
  const published: Envelope[] = [];
  const publish = bus.publish.bind(bus);
  bus.publish = async (stream, type, data) => {
    const env = await publish(stream, type, data);
    published.push(env);
    return env;
  };
  const media = new FsBlobStore(join(dir, 'media'));
  const deps: PipelineDeps = {
    db,
    bus,
    media: opts.media ? opts.media(media) : media,
    uploads: new FsBlobStore(join(dir, 'uploads')),
    cities: new CitiesService(db),
    notifications: new NotificationsService({ db, bus }),
    social: new SocialService({ db, bus, limiter: new MemoryRateLimiter() }),
    log: { warn: () => {} },
  };
  return { db, deps, bus, published, queries };
}

async function addUsers(db: Db, prefix: string, n: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `insert into users (username, password_hash) select $1 || g, 'not-a-hash' from generate_series(1, $2::int) g returning id`,
    [prefix, n],
  );
  return rows.map((r) => r.id);
}

async function uploaded(w: World, ownerId: string, image: Buffer): Promise<string> {
  const key = blobKey('a'.repeat(64), 'jpg');
  await w.deps.uploads.put(key, image);
  return w.db.tx(async (q) => {
    const id = await insertPhoto(q, { ownerId, caption: 'hello', cityId: null, uploadKey: key });
    await enqueue(q, 'photo.resize', await resizeRequest(id, key, w.deps));
    return id;
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A ready photo by a new user whom two fan-out batches of new readers follow. */
async function readyPhotoWithTwoBatches(w: World, owner: string, readers: string, keyChar: string): Promise<{ id: string }> {
  const [ownerId] = await addUsers(w.db, owner, 1);
  await addUsers(w.db, readers, FANOUT_BATCH + 10);
  await w.db.query(`insert into follows (follower_id, followee_id) select id, $1 from users where id <> $1`, [ownerId]);
  const [photo] = await w.db.query<{ id: string }>(
    `insert into photos (owner_id, status, width, height, thumb_key, display_key, placeholder)
     values ($1, 'ready', 10, 10, $2, $2, 'x') returning id`,
    [ownerId, blobKey(keyChar.repeat(64), 'webp')],
  );
  return photo!;
}

test('fan-out to 10,000 followers writes every home timeline in batches and publishes once per reader', async (t) => {
  const w = await world(t);
  const [owner] = await addUsers(w.db, 'owner', 1);
  const followers = await addUsers(w.db, 'fan', 10_000);
  await w.db.query(`insert into follows (follower_id, followee_id) select id, $1 from users where id <> $1`, [owner]);
  const [photo] = await w.db.query<{ id: string }>(
    `insert into photos (owner_id, status, width, height, thumb_key, display_key, placeholder)
     values ($1, 'ready', 10, 10, $2, $2, 'x') returning id`,
    [owner, blobKey('b'.repeat(64), 'webp')],
  );

  w.queries.count = 0;
  await fanout(w.deps, photo!.id);
  const roundTrips = w.queries.count;
  const batches = Math.ceil(10_000 / FANOUT_BATCH);
  assert.ok(roundTrips <= batches + 15, `${roundTrips} round trips for 10,000 followers`);

  const [{ n }] = (await w.db.query<{ n: number }>(`select count(*)::int as n from home_timeline where photo_id = $1`, [photo!.id])) as [{ n: number }];
  assert.equal(n, 10_001, 'every follower and the owner');
  const homes = w.published.filter((e) => e.type === 'photo.ready' && e.stream.startsWith('home:'));
  assert.equal(homes.length, 10_001);
  assert.equal(new Set(homes.map((e) => e.stream)).size, 10_001);
  assert.ok(homes.some((e) => e.stream === `home:${followers.at(-1)}`));
  const walls = w.published.filter((e) => e.type === 'photo.ready' && !e.stream.startsWith('home:')).map((e) => e.stream);
  assert.deepEqual(walls.sort(), ['latest', `profile:owner1`]);

  // A redelivered fan-out job writes nothing twice and publishes nothing twice.
  const before = w.published.length;
  await fanout(w.deps, photo!.id);
  assert.equal(w.published.length, before);
  const [{ n: again }] = (await w.db.query<{ n: number }>(`select count(*)::int as n from home_timeline where photo_id = $1`, [photo!.id])) as [
    { n: number },
  ];
  assert.equal(again, 10_001);
});

test('a fan-out killed after writing timelines but before their events went out publishes them on its re-run', async (t) => {
  const w = await world(t);
  const photo = await readyPhotoWithTwoBatches(w, 'author', 'reader', 'c');
  // The second batch's publish fails, as when the worker dies between the insert and the publish:
  // its rows are written, its readers have not heard.
  const publishMany = w.bus.publishMany.bind(w.bus);
  let homeBatches = 0;
  w.bus.publishMany = async (streams, type, data, opts) => {
    if (streams[0]?.startsWith('home:') && ++homeBatches === 2) throw new Error('killed');
    return publishMany(streams, type, data, opts);
  };
  await assert.rejects(fanout(w.deps, photo!.id), /killed/);
  const rows = async () => (await w.db.query<{ n: number }>(`select count(*)::int as n from home_timeline where photo_id = $1`, [photo!.id]))[0]!.n;
  assert.equal(await rows(), FANOUT_BATCH + 11, 'every timeline row was written');
  const heard = () => new Set(w.published.filter((e) => e.stream.startsWith('home:')).map((e) => e.stream));
  assert.equal(heard().size, FANOUT_BATCH + 1, 'the owner and the first batch heard');

  await fanout(w.deps, photo!.id); // the job's redelivery
  assert.equal(heard().size, FANOUT_BATCH + 11, 'every reader heard, the second batch on the re-run');
  assert.equal(await rows(), FANOUT_BATCH + 11, 'no row twice');
  const homes = w.published.filter((e) => e.stream.startsWith('home:')).length;
  assert.equal(homes, FANOUT_BATCH + 11, 'the first batch did not hear it twice');
  await fanout(w.deps, photo!.id); // once more, after a complete run: nothing new
  assert.equal(w.published.filter((e) => e.stream.startsWith('home:')).length, homes);
});

test('a fan-out killed after its events went out but before it recorded so publishes nothing twice on its re-run', async (t) => {
  const w = await world(t);
  const photo = await readyPhotoWithTwoBatches(w, 'poster', 'viewer', 'd');
  // Every progress record fails once, as when the worker dies right after a publish: the walls'
  // (published_at) on the first run, the homes' mark on the second.
  const query = w.db.query.bind(w.db);
  const failed = new Set<string>();
  w.db.query = (async (sql: string, params?: unknown[]) => {
    for (const mark of ['set published_at', 'set home_published_through']) {
      if (sql.includes(mark) && !failed.has(mark)) {
        failed.add(mark);
        throw new Error('killed');
      }
    }
    return query(sql, params);
  }) as typeof w.db.query;
  await assert.rejects(fanout(w.deps, photo!.id), /killed/);
  await assert.rejects(fanout(w.deps, photo!.id), /killed/);
  await fanout(w.deps, photo!.id);
  await fanout(w.deps, photo!.id); // and once more after a complete run
  const ready = w.published.filter((e) => e.type === 'photo.ready').map((e) => e.stream);
  assert.equal(ready.length, new Set(ready).size, 'no stream heard the photo twice');
  assert.equal(ready.filter((s) => s.startsWith('home:')).length, FANOUT_BATCH + 11, 'every reader and the owner heard it');
  assert.deepEqual(ready.filter((s) => !s.startsWith('home:')).sort(), ['latest', 'profile:poster1']);
});

test('a crash mid-resize is retried: the photo ends ready once and no feed holds it twice', async (t) => {
  let puts = 0;
  const w = await world(t, {
    // The first display variant write dies, as if the worker was killed halfway through its files.
    media: (store) => ({
      ...store,
      put: async (key, source) => {
        puts++;
        if (puts === 2) throw new Error('worker crashed mid-resize');
        return store.put(key, source);
      },
      get: (key) => store.get(key),
      stat: (key) => store.stat(key),
      delete: (key) => store.delete(key),
    }),
  });
  const [owner, fan] = await addUsers(w.db, 'user', 2);
  await w.db.query(`insert into follows (follower_id, followee_id) values ($1, $2)`, [fan, owner]);
  const runner = new DbJobRunner(w.db, { pollMs: 20, retry: { maxAttempts: 3, backoffMs: () => 50 } });
  registerPhotoJobs(runner, w.deps);
  await runner.start();
  t.after(() => runner.stop());

  const id = await uploaded(w, owner!, await makeJpeg({ width: 800, height: 600 }));
  await until('the photo to be ready and fanned out', async () => {
    const [row] = await w.db.query<{ status: string; published: boolean }>(`select status, published_at is not null as published from photos where id = $1`, [id]);
    return row?.status === 'ready' && row.published;
  });
  await until('the jobs to settle', async () => (await w.db.query(`select 1 from jobs where status in ('pending', 'running')`)).length === 0);

  const resize = await w.db.query<{ attempts: number; status: string }>(`select attempts, status from jobs where name = 'photo.resize'`);
  assert.deepEqual(resize, [{ attempts: 2, status: 'done' }]);
  const jobs = await w.db.query<{ name: string; n: number }>(`select name, count(*)::int as n from jobs group by name order by name`);
  assert.deepEqual(jobs, [
    { name: 'badges.check', n: 1 },
    { name: 'blobs.purge', n: 1 },
    { name: 'notify', n: 2 }, // photo ready + first-upload badge
    { name: 'photo.fanout', n: 1 },
    { name: 'photo.resize', n: 1 },
    { name: 'photo.resized', n: 1 },
  ]);
  const homes = await w.db.query<{ user_id: string }>(`select user_id from home_timeline where photo_id = $1 order by user_id`, [id]);
  assert.deepEqual(homes.map((h) => h.user_id), [owner, fan].sort());
  const ready = w.published.filter((e) => e.type === 'photo.ready');
  assert.deepEqual(ready.map((e) => e.stream).sort(), ['home:' + fan, 'home:' + owner, 'latest', 'profile:user1'].sort());
  assert.equal(w.published.filter((e) => e.type === 'photo.processed').length, 1);
  // The original is purged once the variants exist.
  assert.equal(await w.deps.uploads.stat(blobKey('a'.repeat(64), 'jpg')), null);
});

test('an unreadable image fails at once, without retries, with a reason the owner is told', async (t) => {
  const w = await world(t);
  const [owner] = await addUsers(w.db, 'viv', 1);
  const runner = new DbJobRunner(w.db, { pollMs: 20, retry: { maxAttempts: 5, backoffMs: () => 50 } });
  registerPhotoJobs(runner, w.deps);
  await runner.start();
  t.after(() => runner.stop());
  // Cut in half: the header is fine, only decoding finds out (uploads check this at once too; a
  // format without a trailer to check, such as AVIF, gets this far).
  const jpeg = await makeJpeg({ width: 400, height: 300 });
  const broken = jpeg.subarray(0, jpeg.length / 2);
  const id = await uploaded(w, owner!, broken);
  const failure = await until('the photo to fail', async () => {
    const [row] = await w.db.query<{ status: string; failure: string | null }>(`select status, failure from photos where id = $1`, [id]);
    return row?.status === 'failed' ? row.failure : null;
  });
  assert.match(failure!, /damaged|truncated|readable/i);
  assert.deepEqual(await w.db.query(`select attempts from jobs where name = 'photo.resize'`), [{ attempts: 1 }]);
  assert.deepEqual(
    w.published.filter((e) => e.type === 'photo.failed').map((e) => [e.stream, e.data]),
    [[`user:${owner}`, { id, reason: failure }]],
  );
  await until('the failure notification', async () => (await w.db.query(`select 1 from notifications where type = 'photo.failed' and user_id = $1`, [owner])).length === 1);
  assert.equal(w.published.filter((e) => e.type === 'photo.ready').length, 0);
});

test('a job that keeps crashing is dead-lettered and the photo is marked failed, never left processing', async (t) => {
  const w = await world(t, {
    media: (store) => ({ ...store, put: async () => Promise.reject(new Error('disk on fire')), get: (k) => store.get(k), stat: (k) => store.stat(k), delete: (k) => store.delete(k) }),
  });
  const [owner] = await addUsers(w.db, 'xan', 1);
  const runner = new DbJobRunner(w.db, { pollMs: 20, retry: { maxAttempts: 3, backoffMs: () => 30 } });
  registerPhotoJobs(runner, w.deps);
  await runner.start();
  t.after(() => runner.stop());
  const id = await uploaded(w, owner!, await makeJpeg({ width: 200, height: 100 }));
  const row = await until('the photo to fail', async () => {
    const [r] = await w.db.query<{ status: string; failure: string | null }>(`select status, failure from photos where id = $1`, [id]);
    return r?.status === 'failed' ? r : null;
  });
  assert.equal(row.failure, GAVE_UP);
  assert.deepEqual(await w.db.query(`select status, attempts, last_error from jobs where name = 'photo.resize'`), [
    { status: 'dead', attempts: 3, last_error: 'disk on fire' },
  ]);
});

test('a photo deleted while it is being resized leaves no variant behind; a repeated reply changes nothing', async (t) => {
  const written: string[] = [];
  let duringWrite: (() => Promise<void>) | undefined;
  const w = await world(t, {
    media: (store) => ({
      ...store,
      put: async (key, source) => {
        await store.put(key, source);
        written.push(key);
        // The owner deletes the photo just as its variants land, before it is marked ready.
        if (written.length === 2) await duringWrite?.();
      },
      get: (key) => store.get(key),
      stat: (key) => store.stat(key),
      delete: (key) => store.delete(key),
    }),
  });
  const [owner] = await addUsers(w.db, 'wes', 1);
  const settle = async () => {
    const runner = new DbJobRunner(w.db, { pollMs: 20 });
    registerPhotoJobs(runner, w.deps);
    await runner.start();
    await until('the jobs to settle', async () => (await w.db.query(`select 1 from jobs where status in ('pending', 'running')`)).length === 0);
    await runner.stop();
  };
  const requestOf = async (id: string) =>
    (await w.db.query<{ payload: Parameters<typeof resizeFor>[1] }>(`select payload from jobs where name = 'photo.resize' and payload->>'photoId' = $1`, [id]))[0]!.payload;
  const image = await makeJpeg({ width: 640, height: 480 });

  const lonely = await uploaded(w, owner!, image);
  duringWrite = async () => {
    // As PhotosService.delete does it.
    await w.db.tx(async (q) => {
      const deleted = await deletePhoto(q, lonely);
      assert.ok(deleted, 'deleted while processing');
      await enqueue(q, 'blobs.purge', { media: deleted.mediaKeys, uploads: deleted.uploadKey ? [deleted.uploadKey] : [] });
    });
  };
  await resizeFor(w.deps, await requestOf(lonely));
  const variants = written.splice(0);
  assert.equal(variants.length, 2);
  await w.db.query(`update jobs set status = 'done' where name = 'photo.resize'`); // ran by hand above
  await settle();
  for (const key of variants) assert.ok(!(await w.deps.media.stat(key)), `${key} is gone`);
  assert.deepEqual(await w.db.query(`select id from photos`), []);

  // A reply that comes twice (a redelivery) makes the photo ready once and purges nothing it shows.
  duringWrite = undefined;
  const kept = await uploaded(w, owner!, image);
  await settle();
  const [row] = await w.db.query<{ status: string; thumb_key: string; display_key: string; width: number }>(`select status, thumb_key, display_key, width from photos where id = $1`, [kept]);
  assert.equal(row!.status, 'ready');
  await resized(w.deps, {
    photoId: kept,
    ok: true,
    width: row!.width,
    height: 480,
    variants: { display: { key: row!.display_key, width: 640, height: 480 }, thumb: { key: row!.thumb_key, width: 320, height: 240 } },
    placeholder: null,
    gps: null,
  });
  await settle();
  assert.ok(await w.deps.media.stat(row!.display_key), 'the variants of a ready photo stay');
  assert.equal(w.published.filter((e) => e.type === 'photo.processed').length, 1);
});

test('a reply naming variants that are not there fails the photo; a missing placeholder is computed from the thumb', async (t) => {
  const w = await world(t);
  const [owner] = await addUsers(w.db, 'rex', 2);
  const liar = await uploaded(w, owner!, await makeJpeg({ width: 100, height: 80 }));
  await resized(w.deps, {
    photoId: liar,
    ok: true,
    width: 100,
    height: 80,
    variants: { display: { key: blobKey('d'.repeat(64), 'webp'), width: 100, height: 80 }, thumb: { key: blobKey('e'.repeat(64), 'webp'), width: 100, height: 80 } },
    placeholder: null,
    gps: null,
  });
  assert.deepEqual(await w.db.query(`select status, failure from photos where id = $1`, [liar]), [{ status: 'failed', failure: GAVE_UP }]);

  // A resizer that sends no placeholder (examples/resizer-python has no thumbhash): Strobe makes one.
  const honest = await uploaded(w, owner!, await makeJpeg({ width: 100, height: 80 }));
  const request = (await w.db.query<{ payload: Parameters<typeof resizeFor>[1] }>(`select payload from jobs where payload->>'photoId' = $1`, [honest]))[0]!.payload;
  const thumb = await makeJpeg({ width: 40, height: 32 });
  await w.deps.media.put(request.variants!.thumb.key, thumb);
  await w.deps.media.put(request.variants!.display.key, thumb);
  await resized(w.deps, {
    photoId: honest,
    ok: true,
    width: 100,
    height: 80,
    variants: { display: { key: request.variants!.display.key, width: 40, height: 32 }, thumb: { key: request.variants!.thumb.key, width: 40, height: 32 } },
    placeholder: null,
    gps: null,
  });
  const [ready] = await w.db.query<{ status: string; placeholder: string | null }>(`select status, placeholder from photos where id = $1`, [honest]);
  assert.equal(ready!.status, 'ready');
  assert.ok(ready!.placeholder && ready!.placeholder.length > 10);
});
