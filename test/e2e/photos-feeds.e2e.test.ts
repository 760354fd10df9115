// Feeds and what a photo looks like in them, end to end: cursor pagination, who sees a photo still
// processing, GIFs, orientation, cities (given or from GPS), and captions kept byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import sharp from 'sharp';
import type { City, Notification, Page, Photo } from '../../src/shared/api.js';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { makeJpeg, pngClaiming } from '../helpers/images.js';
import {
  allPages,
  call,
  eventsOf,
  expectStatus,
  filesUnder,
  getPhoto,
  jobsSettled,
  photoServer,
  readyEvent,
  readyPhoto,
  signUp,
  until,
  uploadOk,
  type Session,
} from '../helpers/photos.js';
import type { TestSocket } from '../helpers/sockets.js';

let latest: TestSocket;
const server = photoServer(async ({ sockets }) => {
  latest = await sockets.open(undefined, 'latest');
});
const { sockets } = server;

const tiny = () => makeJpeg({ width: 64, height: 48 });

async function variant(url: string): Promise<Buffer> {
  const res = await fetch(`${server.url}${url}`);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

/** The colour of one pixel of an image, as [r, g, b]. */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

const near = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]!) < 40);

describe('cursor pagination', () => {
  let lou: Session;
  let photos: Photo[];

  before(async () => {
    lou = await signUp(server.url, 'lou');
    photos = [];
    for (let i = 0; i < 5; i++) photos.push(await uploadOk(server.url, lou.cookie, { file: await tiny(), city: 'lyon-fr', caption: `page ${i}` }));
    for (const p of photos) await readyPhoto(server.url, p.id, lou.cookie);
  });

  test('limit=2 over 5 photos gives every photo once, newest first, in 3 pages: profile, home, city, latest', async () => {
    const newestFirst = photos.map((p) => p.id).reverse();
    for (const [path, cookie] of [
      ['/api/users/lou/photos', undefined],
      ['/api/users/lou/photos', lou.cookie],
      ['/api/feeds/home', lou.cookie],
      ['/api/feeds/city/lyon-fr', undefined],
    ] as const) {
      const { items, pages } = await allPages(server.url, path, { cookie, limit: 2 });
      assert.deepEqual(items.map((p) => p.id), newestFirst, path);
      assert.equal(pages, 3, path);
      assert.ok(items.every((p) => p.status === 'ready'));
    }
    const { items } = await allPages(server.url, '/api/feeds/latest', { limit: 2 });
    const ids = items.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'no photo twice in latest');
    assert.deepEqual(ids.filter((id) => newestFirst.includes(id)), newestFirst);
    for (let i = 1; i < ids.length; i++) assert.ok(BigInt(ids[i - 1]!) > BigInt(ids[i]!), 'newest first');
  });

  test('the last page says there is no next; bad limits and cursors are 400 VALIDATION', async () => {
    const first = await call<Page<Photo>>(server.url, 'GET', '/api/users/lou/photos?limit=5');
    assert.equal(first.body.items.length, 5);
    assert.equal(first.body.next, null);
    const page = await call<Page<Photo>>(server.url, 'GET', '/api/users/lou/photos?limit=4');
    assert.equal(typeof page.body.next, 'string');
    const rest = await call<Page<Photo>>(server.url, 'GET', `/api/users/lou/photos?limit=4&before=${page.body.next}`);
    assert.deepEqual(rest.body.items.map((p) => p.id), [photos[0]!.id]);
    assert.equal(rest.body.next, null);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'before=not-a-cursor', `before=${Buffer.from('{"id":"x"}').toString('base64url')}`]) {
      expectStatus(await call(server.url, 'GET', `/api/feeds/latest?${query}`), 400, 'VALIDATION');
    }
    expectStatus(await call(server.url, 'GET', '/api/feeds/home'), 401, 'UNAUTHENTICATED');
    expectStatus(await call(server.url, 'GET', '/api/feeds/city/atlantis-xx'), 404, 'NOT_FOUND');
  });
});

describe('a photo still processing', () => {
  test('is visible to its owner only, until it is ready (workers held back meanwhile)', async () => {
    const moe = await signUp(server.url, 'moe');
    const other = await signUp(server.url, 'other_viewer');
    // Hold the workers, as an operator can (they may be stopped for hours): the photo stays processing.
    await server.app.adapters.jobs.stop();
    let pending: Photo;
    try {
      const file = await tiny();
      pending = await uploadOk(server.url, moe.cookie, { file, caption: 'not yet' });
      assert.equal(pending.status, 'processing');
      // The original waits in uploads/ (under a key of its own, not its content hash), and is never served.
      const originals = filesUnder(join(server.app.config.dataDir, 'uploads')).filter((f) => f.endsWith('.jpg'));
      assert.equal(originals.length, 1, 'the original is in uploads/');
      const originalKey = basename(originals[0]!);
      assert.notEqual(originalKey, `${createHash('sha256').update(file).digest('hex')}.jpg`);
      for (const path of [`/media/${originalKey}`, `/media/..%2Fuploads%2F${originalKey}`, '/media/..%2Fsession-secret']) {
        const res = await fetch(`${server.url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 404, path);
      }
      const asOwner = await getPhoto(server.url, pending.id, moe.cookie);
      expectStatus(asOwner, 200);
      assert.equal(asOwner.body.photo.status, 'processing');
      expectStatus(await getPhoto(server.url, pending.id, other.cookie), 404, 'NOT_FOUND');
      expectStatus(await getPhoto(server.url, pending.id), 404, 'NOT_FOUND');
      expectStatus(await call(server.url, 'PUT', `/api/photos/${pending.id}/like`, { cookie: other.cookie }), 404, 'NOT_FOUND');
      expectStatus(await call(server.url, 'DELETE', `/api/photos/${pending.id}`, { cookie: other.cookie }), 404, 'NOT_FOUND');

      const own = (await allPages(server.url, '/api/users/moe/photos', { cookie: moe.cookie })).items;
      assert.deepEqual(own.map((p) => [p.id, p.status]), [[pending.id, 'processing']], 'the owner sees it on the profile');
      assert.deepEqual((await allPages(server.url, '/api/users/moe/photos', { cookie: other.cookie })).items, []);
      assert.deepEqual((await allPages(server.url, '/api/users/moe/photos')).items, []);
      assert.ok(!(await allPages(server.url, '/api/feeds/latest')).items.some((p) => p.id === pending.id));
      assert.deepEqual((await allPages(server.url, '/api/feeds/home', { cookie: moe.cookie })).items, []);
      assert.equal((await call<{ counts: { photos: number } }>(server.url, 'GET', '/api/users/moe')).body.counts.photos, 0);

      const peek = await sockets.open(other.cookie);
      const ack: SubscribeAck = await peek.socket.timeout(5_000).emitWithAck('subscribe', { stream: `photo:${pending.id}` });
      assert.ok(!ack.ok && ack.error.code === 'NOT_FOUND', JSON.stringify(ack));
      const ownerPeek = await sockets.open(moe.cookie);
      const ownAck: SubscribeAck = await ownerPeek.socket.timeout(5_000).emitWithAck('subscribe', { stream: `photo:${pending.id}` });
      assert.ok(ownAck.ok, JSON.stringify(ownAck));
    } finally {
      await server.app.adapters.jobs.start();
    }
    await readyEvent(latest, 'latest', pending.id);
    const seen = await getPhoto(server.url, pending.id, other.cookie);
    expectStatus(seen, 200);
    assert.equal(seen.body.photo.status, 'ready');
  });

  test('deleted by its owner before processing, it never appears anywhere', async () => {
    const ned = await signUp(server.url, 'ned');
    const nedHome = await sockets.open(ned.cookie, 'home');
    await server.app.adapters.jobs.stop();
    let doomed: Photo;
    try {
      doomed = await uploadOk(server.url, ned.cookie, { file: await tiny() });
      expectStatus(await call(server.url, 'DELETE', `/api/photos/${doomed.id}`, { cookie: ned.cookie }), 204);
      expectStatus(await getPhoto(server.url, doomed.id, ned.cookie), 404, 'NOT_FOUND');
    } finally {
      await server.app.adapters.jobs.start();
    }
    const control = await uploadOk(server.url, ned.cookie, { file: await tiny() });
    await readyEvent(latest, 'latest', control.id);
    await jobsSettled(server.app);
    const mentions = (s: TestSocket) =>
      s.events.filter((e) => JSON.stringify(e.data).includes(`"id":"${doomed.id}"`)).map((e) => `${e.stream} ${e.type}`);
    assert.deepEqual(mentions(latest), [], 'nothing about the deleted photo on latest');
    assert.deepEqual(mentions(nedHome), [], 'nothing about it on the owner home');
    assert.deepEqual((await allPages(server.url, '/api/users/ned/photos', { cookie: ned.cookie })).items.map((p) => p.id), [control.id]);
    assert.deepEqual(filesUnder(join(server.app.config.dataDir, 'uploads')), [], 'the deleted photo’s original is purged too');
  });
});

describe('a photo that cannot be processed', () => {
  test('fails: the owner gets photo.failed and a notification with the reason; nobody else sees it; the original is purged', async () => {
    const pia = await signUp(server.url, 'pia');
    const peer = await signUp(server.url, 'pia_peer');
    const owner = await sockets.open(pia.cookie, 'user');
    // A PNG whose header and trailer are fine but whose pixel data is missing: it passes the checks
    // made at upload time and fails in the worker.
    const accepted = await uploadOk(server.url, pia.cookie, { file: pngClaiming(2000, 1500), filename: 'broken.png', type: 'image/png', city: 'paris-fr' });
    await owner.waitFor((evs) => evs.some((e) => e.type === 'photo.failed' && (e.data as { id: string }).id === accepted.id));
    const failed = eventsOf(owner, 'photo.failed').find((e) => e.data.id === accepted.id)!;
    assert.equal(typeof failed.data.reason, 'string');
    assert.ok(failed.data.reason.length > 0);

    const asOwner = await getPhoto(server.url, accepted.id, pia.cookie);
    expectStatus(asOwner, 200);
    assert.equal(asOwner.body.photo.status, 'failed');
    assert.equal(asOwner.body.photo.failure, failed.data.reason, 'the owner sees the reason');
    assert.equal(asOwner.body.photo.variants, null);
    expectStatus(await getPhoto(server.url, accepted.id, peer.cookie), 404, 'NOT_FOUND');
    expectStatus(await getPhoto(server.url, accepted.id), 404, 'NOT_FOUND');
    assert.deepEqual((await allPages(server.url, '/api/users/pia/photos', { cookie: peer.cookie })).items, []);
    assert.ok(!(await allPages(server.url, '/api/feeds/latest')).items.some((p) => p.id === accepted.id));
    assert.ok(!(await allPages(server.url, '/api/feeds/city/paris-fr')).items.some((p) => p.id === accepted.id));
    assert.equal((await call<{ counts: { photos: number } }>(server.url, 'GET', '/api/users/pia')).body.counts.photos, 0);

    await owner.waitFor((evs) => evs.some((e) => e.type === 'notification' && (e.data as Notification).type === 'photo.failed'));
    const note = eventsOf(owner, 'notification').find((e) => e.data.type === 'photo.failed')!.data;
    assert.deepEqual([note.photo?.id, note.reason], [accepted.id, failed.data.reason]);
    assert.ok(!eventsOf(owner, 'notification').some((e) => e.data.type === 'badge'), 'a failed photo earns no badge');
    assert.ok(!eventsOf(latest, 'photo.ready').some((e) => e.data.photo.id === accepted.id));

    await jobsSettled(server.app);
    assert.deepEqual(filesUnder(join(server.app.config.dataDir, 'uploads')), [], 'the original is purged');
    // The owner can clear it away.
    expectStatus(await call(server.url, 'DELETE', `/api/photos/${accepted.id}`, { cookie: pia.cookie }), 204);
  });
});

describe('what a photo becomes', () => {
  let una: Session;

  before(async () => {
    una = await signUp(server.url, 'una');
  });

  test('an animated GIF gives its first frame, as a ready photo', async () => {
    const [w, h] = [40, 30];
    const frames = Buffer.alloc(w * h * 2 * 3);
    for (let i = 0; i < w * h * 2; i++) frames.set(i < w * h ? [220, 20, 20] : [20, 20, 220], i * 3); // red, then blue
    const gif = await sharp(frames, { raw: { width: w, height: h * 2, channels: 3, pageHeight: h } }).gif({ delay: [100, 100] }).toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2, 'the fixture is animated');

    const accepted = await uploadOk(server.url, una.cookie, { file: gif, filename: 'anim.gif', type: 'image/gif' });
    const photo = await readyPhoto(server.url, accepted.id, una.cookie);
    assert.deepEqual([photo.width, photo.height], [w, h], 'one frame, not the strip of frames');
    const display = await variant(photo.variants!.display);
    const meta = await sharp(display).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.pages ?? 1], ['webp', w, h, 1], 'a still WebP, never enlarged');
    const rgb = await pixel(display, w / 2, h / 2);
    assert.ok(near(rgb, [220, 20, 20]), `the first (red) frame, got rgb(${rgb.join(', ')})`);
  });

  test('PNG (with transparency), WebP and AVIF uploads become WebP variants, never enlarged', async () => {
    const inputs = [
      { type: 'image/png', name: 'a.png', file: await sharp({ create: { width: 200, height: 100, channels: 4, background: { r: 10, g: 200, b: 10, alpha: 0.5 } } }).png().toBuffer() },
      { type: 'image/webp', name: 'a.webp', file: await sharp({ create: { width: 150, height: 90, channels: 3, background: '#c83232' } }).webp().toBuffer() },
      { type: 'image/avif', name: 'a.avif', file: await sharp({ create: { width: 120, height: 80, channels: 3, background: '#3232c8' } }).avif().toBuffer() },
    ];
    for (const input of inputs) {
      const meta = await sharp(input.file).metadata();
      const photo = await readyPhoto(server.url, (await uploadOk(server.url, una.cookie, { file: input.file, filename: input.name, type: input.type })).id, una.cookie);
      assert.deepEqual([photo.width, photo.height], [meta.width, meta.height], input.type);
      for (const url of [photo.variants!.display, photo.variants!.thumb]) {
        const out = await sharp(await variant(url)).metadata();
        assert.deepEqual([out.format, out.width, out.height], ['webp', meta.width, meta.height], `${input.type} ${url}: WebP, not enlarged`);
      }
    }
  });

  test('Orientation 6 turns the picture upright, the right way round', async () => {
    // Stored landscape: left half red, right half blue. Orientation 6 means "rotate 90° clockwise to view":
    // upright, the red half is on top.
    const [w, h] = [64, 48];
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [230, 0, 0] : [0, 0, 230], (y * w + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const photo = await readyPhoto(server.url, (await uploadOk(server.url, una.cookie, { file: jpeg })).id, una.cookie);
    assert.deepEqual([photo.width, photo.height], [h, w]);
    const display = await variant(photo.variants!.display);
    assert.deepEqual([(await sharp(display).metadata()).width, (await sharp(display).metadata()).height], [h, w]);
    const top = await pixel(display, h / 2, 8);
    const bottom = await pixel(display, h / 2, w - 8);
    assert.ok(near(top, [230, 0, 0]) && near(bottom, [0, 0, 230]), `top rgb(${top.join(', ')}), bottom rgb(${bottom.join(', ')})`);
  });

  test('GPS picks the nearest city when none is given; a city given by the uploader wins', async () => {
    const tokyo = { lat: 35.6895, lon: 139.6917 };
    const fromGps = await readyPhoto(server.url, (await uploadOk(server.url, una.cookie, { file: await makeJpeg({ width: 64, height: 48, gps: tokyo }) })).id, una.cookie);
    assert.equal(fromGps.city?.slug, 'tokyo-jp');
    const given = await readyPhoto(
      server.url,
      (await uploadOk(server.url, una.cookie, { file: await makeJpeg({ width: 64, height: 48, gps: tokyo }), city: 'oslo-no' })).id,
      una.cookie,
    );
    assert.deepEqual(given.city, { slug: 'oslo-no', name: 'Oslo', country: 'NO' });
    const none = await readyPhoto(server.url, (await uploadOk(server.url, una.cookie, { file: await tiny() })).id, una.cookie);
    assert.equal(none.city, null, 'no GPS and no city: no city');
  });

  test('GET /api/cities?q=par lists Paris first, with its count of photos', async () => {
    for (let i = 0; i < 2; i++) await readyPhoto(server.url, (await uploadOk(server.url, una.cookie, { file: await tiny(), city: 'paris-fr' })).id, una.cookie);
    const inParis = (await allPages(server.url, '/api/feeds/city/paris-fr')).items.length;
    assert.equal(inParis, 2);
    for (const q of ['par', 'PAR', 'Pari']) {
      const res = await call<Page<City>>(server.url, 'GET', `/api/cities?q=${q}`);
      expectStatus(res, 200);
      assert.deepEqual(res.body.items[0], { slug: 'paris-fr', name: 'Paris', country: 'FR', photos: inParis }, `q=${q}`);
      assert.ok(res.body.items.every((c) => c.name.toLowerCase().startsWith(q.toLowerCase())), `q=${q}: only prefix matches`);
    }
    const busy = await call<Page<City>>(server.url, 'GET', '/api/cities');
    assert.ok(busy.body.items.some((c) => c.slug === 'paris-fr' && c.photos === inParis), 'without q: the cities with photos');
    assert.deepEqual((await call<Page<City>>(server.url, 'GET', '/api/cities?q=zzzzqx')).body.items, []);
  });

  test('captions come back byte for byte: in the reply, the live event, GET and the feeds', async () => {
    const captions = [
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      "'; DROP TABLE photos; --",
      '&lt;b&gt; &amp; \u{1F600} café',
      'é'.repeat(500),
      '\u{1F4F7}'.repeat(500),
    ];
    for (const caption of captions) {
      const accepted = await uploadOk(server.url, una.cookie, { file: await tiny(), caption });
      assert.equal(accepted.caption, caption, 'in the 202');
      const env = await readyEvent(latest, 'latest', accepted.id);
      assert.equal(env.data.photo.caption, caption, 'live');
      assert.equal((await getPhoto(server.url, accepted.id)).body.photo.caption, caption, 'GET');
      const inFeed = (await call<Page<Photo>>(server.url, 'GET', '/api/feeds/latest?limit=5')).body.items.find((p) => p.id === accepted.id);
      assert.equal(inFeed?.caption, caption, 'latest feed');
    }
    assert.equal(eventsOf(latest, 'photo.ready').filter((e) => captions.includes(e.data.photo.caption)).length, captions.length);
  });
});

describe('the same file uploaded more than once', () => {
  test('makes separate photos with variants of their own; deleting one keeps the other’s files', async () => {
    const [ora, oli] = [await signUp(server.url, 'ora'), await signUp(server.url, 'oli')];
    const same = await tiny();
    const first = await readyPhoto(server.url, (await uploadOk(server.url, ora.cookie, { file: same })).id, ora.cookie);
    const second = await readyPhoto(server.url, (await uploadOk(server.url, oli.cookie, { file: same })).id, oli.cookie);
    assert.notEqual(first.id, second.id);
    // A resize request names its variants' keys before anything is decoded (docs/messages.md), so
    // each photo has its own, and one's purge can never reach the other's.
    assert.notDeepEqual(first.variants, second.variants);

    expectStatus(await call(server.url, 'DELETE', `/api/photos/${first.id}`, { cookie: ora.cookie }), 204);
    await jobsSettled(server.app);
    for (const url of [second.variants!.display, second.variants!.thumb]) await variant(url); // still served
    expectStatus(await getPhoto(server.url, second.id), 200);

    expectStatus(await call(server.url, 'DELETE', `/api/photos/${second.id}`, { cookie: oli.cookie }), 204);
    await jobsSettled(server.app);
    for (const url of [second.variants!.display, second.variants!.thumb]) {
      const res = await fetch(`${server.url}${url}`);
      await res.arrayBuffer();
      assert.equal(res.status, 404, `${url} is purged once no photo uses it`);
    }
  });

  test('uploaded again and again, every copy becomes ready: none loses its original to the purge of the one before', async () => {
    // Each photo's original is purged right after it is processed, unless another photo still refers
    // to the same content. An identical upload landing in that moment must not lose its original.
    const uploaders: Session[] = [];
    for (let i = 0; i < 5; i++) uploaders.push(await signUp(server.url, `again_${i}`));
    const same = await tiny();
    const accepted: { id: string; owner: Session }[] = [];
    for (let i = 0; i < 150; i++) {
      const owner = uploaders[i % uploaders.length]!;
      accepted.push({ id: (await uploadOk(server.url, owner.cookie, { file: same })).id, owner });
      await delay(Math.random() * 60); // spread over the window where the previous copy is purged
    }
    const failed: string[] = [];
    for (const { id, owner } of accepted) {
      const res = await until(`photo ${id} to be processed`, () => getPhoto(server.url, id, owner.cookie), (r) => r.body.photo?.status !== 'processing');
      if (res.body.photo.status !== 'ready') failed.push(`${id}: ${res.body.photo.status} (${res.body.photo.failure})`);
    }
    assert.deepEqual(failed, [], `${failed.length} of ${accepted.length} identical uploads failed`);
  });
});
