// A crash in the middle of processing, for real: the server is a child process, killed with SIGKILL
// right after it accepted several 12 MP photos (while their resizes run), then restarted on the same
// data dir. Every photo must end ready exactly once, in every feed exactly once.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import type { City, NotificationPage, Page, Photo, Profile } from '../../src/shared/api.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { makeJpeg } from '../helpers/images.js';
import { allPages, call, expectStatus, filesUnder, signUp, until, upload } from '../helpers/photos.js';
import { startServer } from '../helpers/server.js';

const PARIS = { lat: 48.8566, lon: 2.3522 };
const PHOTOS = 4;

test('SIGKILL while 12 MP photos are processing: after a restart each is ready exactly once, in every feed once', { timeout: 180_000 }, async (t) => {
  const images: Buffer[] = [];
  for (let i = 0; i < PHOTOS; i++) images.push(await makeJpeg({ width: 4000, height: 3000, orientation: 6, gps: PARIS }));

  const dataDir = await freshDataDir();
  const first = await startServer({ dataDir });
  t.after(() => first.kill());
  await signUp(first.url, 'admin');
  const zoe = await signUp(first.url, 'zoe');
  const yan = await signUp(first.url, 'yan');
  expectStatus(await call(first.url, 'PUT', '/api/users/zoe/follow', { cookie: yan.cookie }), 200);

  const replies = await Promise.all(images.map((file, i) => upload(first.url, zoe.cookie, { file, filename: `IMG_${i}.JPG`, caption: `crash ${i}` })));
  for (const r of replies) expectStatus(r, 202);
  const ids = replies.map((r) => r.body.photo.id);
  assert.equal(new Set(ids).size, PHOTOS);
  // Where processing stood when the process died (a few ms before the kill).
  const snapshot = await call<Page<Photo>>(first.url, 'GET', '/api/users/zoe/photos?limit=100', { cookie: zoe.cookie });
  await first.kill(); // SIGKILL: no drain, no flush, resizes cut off wherever they were
  const statuses = snapshot.body.items.map((p) => p.status);
  t.diagnostic(`statuses at the kill: ${statuses.join(', ')}`);
  assert.ok(statuses.includes('processing'), 'the kill must land while photos are still processing');

  const second = await startServer({ dataDir });
  t.after(() => second.close()); // after() hooks run in order: the server stops before its data dir goes
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const base = second.url;

  const readyAll = await until(
    'every photo to be ready after the restart',
    async () => (await allPages(base, '/api/users/zoe/photos', { cookie: zoe.cookie })).items,
    (items) => items.length === PHOTOS && items.every((p) => p.status !== 'processing'),
    90_000,
    100,
  );
  assert.deepEqual(
    readyAll.map((p) => [p.id, p.status]),
    [...ids].sort((a, b) => Number(BigInt(b) - BigInt(a))).map((id) => [id, 'ready']),
    'each photo once, ready',
  );
  for (const p of readyAll) {
    assert.deepEqual([p.width, p.height, p.city?.slug], [3000, 4000, 'paris-fr'], `photo ${p.id}`);
    assert.ok(p.variants && p.placeholder, `photo ${p.id} has its variants and placeholder`);
    for (const url of [p.variants.display, p.variants.thumb]) {
      const res = await fetch(`${base}${url}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, `${url} is served`);
    }
  }

  // The jobs that follow processing (fan-out, notifications, purge of the originals) all ran, once.
  await until('the originals to be purged', async () => filesUnder(join(dataDir, 'uploads')), (files) => files.length === 0, 30_000, 100);
  const notes = await until(
    'a photo.ready notification for each photo',
    async () => (await call<NotificationPage>(base, 'GET', '/api/notifications?limit=100', { cookie: zoe.cookie })).body.items,
    (items) => items.filter((n) => n.type === 'photo.ready').length >= PHOTOS,
    30_000,
    100,
  );
  const readyNotes = notes.filter((n) => n.type === 'photo.ready').map((n) => n.photo!.id);
  assert.deepEqual([...readyNotes].sort(), [...ids].sort(), 'one photo.ready notification per photo');
  assert.deepEqual(notes.filter((n) => n.type === 'badge').map((n) => n.badge), [1], 'the first-upload badge, once');

  for (const [who, cookie] of [
    ['zoe', zoe.cookie],
    ['yan (follower)', yan.cookie],
  ] as const) {
    const home = await until(
      `${who}'s home to hold every photo`,
      async () => (await allPages(base, '/api/feeds/home', { cookie, limit: 2 })).items.map((p) => p.id),
      (got) => ids.every((id) => got.includes(id)),
      30_000,
      100,
    );
    assert.deepEqual([...home].sort(), [...ids].sort(), `${who}'s home holds each photo exactly once`);
  }
  const latest = (await allPages(base, '/api/feeds/latest', { limit: 3 })).items.map((p) => p.id);
  assert.equal(new Set(latest).size, latest.length, `latest has duplicates: ${latest.join(', ')}`);
  assert.deepEqual([...latest].sort(), [...ids].sort());
  const city = (await allPages(base, '/api/feeds/city/paris-fr')).items.map((p) => p.id);
  assert.deepEqual([...city].sort(), [...ids].sort(), 'the city feed holds each photo once');

  const profile = await call<Profile>(base, 'GET', '/api/users/zoe');
  assert.deepEqual(profile.body.counts, { photos: PHOTOS, followers: 1, following: 0 });
  const paris = await call<{ city: City }>(base, 'GET', '/api/cities/paris-fr');
  assert.equal(paris.body.city.photos, PHOTOS, 'each photo counted once in its city');

  // Nothing half-written is published: two variants per photo, nothing else in media/.
  const media = filesUnder(join(dataDir, 'media'));
  assert.equal(media.length, PHOTOS * 2, `media/: ${media.join(', ')}`);
  assert.ok(media.every((f) => /\/[0-9a-f]{64}\.webp$/.test(f)), `media/: ${media.join(', ')}`);

  // And the restarted server takes new uploads as usual.
  const after = await upload(base, zoe.cookie, { file: await makeJpeg({ width: 64, height: 48 }) });
  expectStatus(after, 202);
});

test('a temporary upload file left by a crash is removed when the server restarts', { timeout: 120_000 }, async (t) => {
  const dataDir = await freshDataDir();
  const first = await startServer({ dataDir });
  t.after(() => first.kill());
  await signUp(first.url, 'admin');
  const vic = await signUp(first.url, 'vic');

  // An upload in flight: its body streams into tmp/ when the process dies.
  const boundary = 'CrashDuringUpload';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const req = httpRequest(`${first.url}/api/photos`, {
    method: 'POST',
    headers: { cookie: vic.cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 20 * 1024 * 1024) },
  });
  req.on('error', () => {}); // the server dies under it
  req.write(head);
  req.write((await makeJpeg({ width: 1600, height: 1200 })).subarray(0, 64 * 1024));
  const tmp = join(dataDir, 'tmp');
  await until('the upload to reach tmp/', async () => filesUnder(tmp), (files) => files.length > 0, 10_000);
  await first.kill();
  req.destroy();
  const orphan = filesUnder(tmp);
  t.diagnostic(`left in tmp/ by the crash: ${orphan.join(', ')}`);

  const second = await startServer({ dataDir });
  t.after(() => second.close()); // after() hooks run in order: the server stops before its data dir goes
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  expectStatus(await upload(second.url, vic.cookie, { file: await makeJpeg({ width: 64, height: 48 }) }), 202);
  await until('tmp/ to be cleared after the restart', async () => filesUnder(tmp), (files) => files.length === 0, 5_000);
});
