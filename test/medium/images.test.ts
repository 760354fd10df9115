// The image pipeline with real sharp/libvips on generated images.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ImageRejected, jpegShrink, processImage, sniffImage } from '../../src/features/photos/images.js';
import { makeGif, makeJpeg, makePng, pngClaiming } from '../helpers/images.js';

const PARIS = { lat: 48.8566, lon: 2.3522 };

const rejected = (problem: string) => (err: unknown) => err instanceof ImageRejected && err.problem === problem;

test('a 12 MP portrait JPEG (Orientation 6) becomes upright WebP variants with no metadata', async () => {
  const jpeg = await makeJpeg({ width: 4000, height: 3000, orientation: 6, gps: PARIS });
  assert.equal(sniffImage(jpeg), 'jpg');
  const out = await processImage(jpeg);
  assert.deepEqual([out.width, out.height], [3000, 4000], 'dimensions after auto-orientation');
  assert.deepEqual([out.display.width, out.display.height], [1080, 1440]);
  assert.deepEqual([out.thumb.width, out.thumb.height], [320, 427]);
  for (const variant of [out.display, out.thumb]) {
    const meta = await sharp(variant.data).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.exif, undefined, 'no EXIF (and so no GPS) survives');
    assert.equal(meta.xmp, undefined);
    assert.equal(meta.orientation, undefined);
    assert.equal(sniffImage(variant.data), 'webp');
  }
  assert.ok(out.gps && Math.abs(out.gps.lat - PARIS.lat) < 1e-3 && Math.abs(out.gps.lon - PARIS.lon) < 1e-3, JSON.stringify(out.gps));
  assert.match(out.placeholder, /^[A-Za-z0-9+/]+=*$/);
  assert.ok(out.placeholder.length < 64);
});

test('every EXIF orientation is turned upright in the display variant', async () => {
  // A photo whose top half is red and left third dark: the display variant matches sharp's own
  // rotate-then-resize of it, for every orientation (a wrong turn or mirror is far off).
  const w = 2400;
  const h = 1600;
  const art = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      art[i] = y < h / 2 ? 220 : 30;
      art[i + 1] = x < w / 3 ? 20 : 200;
      art[i + 2] = Math.floor((x / w) * 255);
    }
  }
  const small = (img: Buffer | Sharp) => (Buffer.isBuffer(img) ? sharp(img) : img).resize(24, 24, { fit: 'fill' }).raw().toBuffer();
  const distance = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;
  for (let orientation = 1; orientation <= 8; orientation++) {
    const jpeg = await sharp(art, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer();
    const out = await processImage(jpeg);
    const reference = await sharp(jpeg).rotate().resize({ width: 1080 }).png().toBuffer();
    assert.deepEqual([out.display.width, out.display.height], orientation >= 5 ? [1080, 1620] : [1080, 720], `orientation ${orientation}`);
    const d = distance(await small(out.display.data), await small(reference));
    assert.ok(d < 4, `orientation ${orientation}: mean difference ${d.toFixed(2)} from sharp's own orientation`);
  }
});

test('a large JPEG is decoded at the smallest scale that still covers the display width, leaving no temporary file', async () => {
  assert.deepEqual([1080, 2159, 2160, 3000, 4000, 4320, 8640, 9000].map(jpegShrink), [1, 1, 2, 2, 2, 4, 8, 8]);
  const decodes = () => readdirSync(tmpdir()).filter((f) => f.startsWith('strobe-decode-'));
  const before = decodes().length;
  const jpeg = await makeJpeg({ width: 3000, height: 2400 });
  const out = await processImage(jpeg);
  assert.deepEqual([out.display.width, out.display.height], [1080, 864]);
  await assert.rejects(processImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), rejected('UNREADABLE_IMAGE'));
  assert.equal(decodes().length, before, 'the scaled decode removes its file, also when the image is damaged');
});

test('small images are never enlarged', async () => {
  const out = await processImage(await makePng(200, 100));
  assert.deepEqual([out.width, out.height, out.display.width, out.thumb.width], [200, 100, 200, 200]);
  assert.equal(out.gps, null);
});

test('GIFs give their first frame', async () => {
  const gif = await makeGif(400, 300);
  assert.equal(sniffImage(gif), 'gif');
  const out = await processImage(gif);
  assert.deepEqual([out.width, out.height, out.display.width, out.thumb.width], [400, 300, 400, 320]);
});

test('a PNG that declares 30000 x 30000 is refused before decoding', async () => {
  const bomb = pngClaiming(30_000, 30_000);
  assert.equal(sniffImage(bomb), 'png');
  const before = process.memoryUsage().rss;
  await assert.rejects(processImage(bomb), rejected('TOO_MANY_PIXELS'));
  assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'nothing was decoded');
});

test('a truncated JPEG and a text file are unreadable', async () => {
  const jpeg = await makeJpeg({ width: 800, height: 600 });
  await assert.rejects(processImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))), rejected('UNREADABLE_IMAGE'));
  const text = Buffer.from('this is not an image, just text named photo.jpg\n');
  assert.equal(sniffImage(text), null);
  await assert.rejects(processImage(text), rejected('UNREADABLE_IMAGE'));
  await assert.rejects(processImage(Buffer.alloc(0)), rejected('UNREADABLE_IMAGE'));
});

test('sniffing reads magic bytes only', () => {
  const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);
  const avif = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif')]);
  assert.equal(sniffImage(webp), 'webp');
  assert.equal(sniffImage(avif), 'avif');
  assert.equal(sniffImage(Buffer.from('GIF89a')), 'gif');
  assert.equal(sniffImage(Buffer.from('<svg xmlns=...')), null);
  assert.equal(sniffImage(Buffer.alloc(0)), null);
});
