// Bad uploads end to end: every one is refused at once with the right status and code, and none
// leaves a photo in `processing` or a file in the data dir (tmp/, uploads/, media/).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page, Photo } from '../../src/shared/api.js';
import { makeJpeg, makePng, pngClaiming } from '../helpers/images.js';
import { call, expectStatus, filesUnder, photoServer, signUp, until, upload, type Res, type Session } from '../helpers/photos.js';

let rita: Session;
let jpeg: Buffer;
const server = photoServer(async ({ url }) => {
  rita = await signUp(url, 'rita');
  jpeg = await makeJpeg({ width: 64, height: 48 });
});

const dataDir = () => server.app.config.dataDir;

/** A multipart body written by hand, for what FormData cannot send. */
function rawMultipart(body: Buffer | string, contentType: string): Promise<Res<unknown>> {
  return call(server.url, 'POST', '/api/photos', { cookie: rita.cookie, body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': contentType } });
}

describe('refused uploads', () => {
  const cases: { name: string; send: () => Promise<Res<unknown>>; status: number; code: string }[] = [
    {
      name: 'a text file named .jpg',
      send: () => upload(server.url, rita.cookie, { file: Buffer.from('just some text, not a photo at all\n'), filename: 'holiday.jpg', type: 'image/jpeg' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'an HTML file claiming to be a PNG',
      send: () => upload(server.url, rita.cookie, { file: Buffer.from('<html><script>alert(1)</script></html>'), filename: 'x.png', type: 'image/png' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a truncated JPEG',
      send: async () => {
        const whole = await makeJpeg({ width: 800, height: 600 });
        return upload(server.url, rita.cookie, { file: whole.subarray(0, Math.floor(whole.length / 2)) });
      },
      status: 422,
      code: 'UNREADABLE_IMAGE',
    },
    {
      name: 'a truncated PNG',
      send: async () => {
        const whole = await makePng(300, 200);
        return upload(server.url, rita.cookie, { file: whole.subarray(0, whole.length - 20), filename: 'cut.png', type: 'image/png' });
      },
      status: 422,
      code: 'UNREADABLE_IMAGE',
    },
    {
      name: 'a PNG that declares 30000 x 30000',
      send: () => upload(server.url, rita.cookie, { file: pngClaiming(30_000, 30_000), filename: 'bomb.png', type: 'image/png' }),
      status: 422,
      code: 'TOO_MANY_PIXELS',
    },
    {
      name: 'a 0-byte file',
      send: () => upload(server.url, rita.cookie, { file: Buffer.alloc(0), filename: 'empty.jpg' }),
      status: 400,
      code: 'EMPTY_FILE',
    },
    {
      name: 'a 30 MB file (a JPEG header, then random bytes)',
      send: () => upload(server.url, rita.cookie, { file: Buffer.concat([jpeg.subarray(0, 20), randomBytes(30 * 1024 * 1024)]), filename: 'huge.jpg' }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a form without a file field',
      send: () => upload(server.url, rita.cookie, { caption: 'where is the photo?' }),
      status: 400,
      code: 'VALIDATION',
    },
    {
      name: 'a caption of 501 characters',
      send: () => upload(server.url, rita.cookie, { file: jpeg, caption: 'x'.repeat(501) }),
      status: 400,
      code: 'VALIDATION',
    },
    {
      name: 'a caption of 20 000 characters (over the field size limit)',
      send: () => upload(server.url, rita.cookie, { file: jpeg, caption: 'y'.repeat(20_000) }),
      status: 400,
      code: 'VALIDATION',
    },
    {
      name: 'an unknown city slug',
      send: () => upload(server.url, rita.cookie, { file: jpeg, city: 'atlantis-xx' }),
      status: 400,
      code: 'UNKNOWN_CITY',
    },
    {
      name: 'a city that is not a slug at all',
      send: () => upload(server.url, rita.cookie, { file: jpeg, city: '../../etc/passwd' }),
      status: 400,
      code: 'UNKNOWN_CITY',
    },
    {
      name: 'a JSON body instead of multipart',
      send: () => call(server.url, 'POST', '/api/photos', { cookie: rita.cookie, json: { file: jpeg.toString('base64') } }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a multipart body cut off inside the file (no closing boundary)',
      send: () =>
        rawMultipart(
          Buffer.concat([
            Buffer.from('--XyZb0undary\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'),
            jpeg.subarray(0, 500),
          ]),
          'multipart/form-data; boundary=XyZb0undary',
        ),
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      name: 'a multipart body that is not multipart at all',
      send: () => rawMultipart('this is not a multipart body\r\n', 'multipart/form-data; boundary=XyZb0undary'),
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      name: 'two files in one upload',
      send: async () => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'one.jpg');
        form.append('file', new Blob([new Uint8Array(await makeJpeg({ width: 64, height: 48 }))], { type: 'image/jpeg' }), 'two.jpg');
        return call(server.url, 'POST', '/api/photos', { cookie: rita.cookie, body: form });
      },
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      name: 'an upload while signed out',
      send: () => upload(server.url, undefined, { file: jpeg }),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'an upload from a cross-site page (Origin)',
      send: () => upload(server.url, rita.cookie, { file: jpeg, headers: { origin: 'http://evil.example' } }),
      status: 403,
      code: 'CSRF',
    },
  ];

  for (const c of cases) {
    test(`${c.name}: ${c.status} ${c.code}`, async () => {
      expectStatus(await c.send(), c.status, c.code);
    });
  }

  test('an upload from our own origin is accepted (the CSRF check is not a blanket refusal)', async (t) => {
    // Run last among the uploads: it is the one upload that becomes a photo, processed and purged.
    const own = await upload(server.url, rita.cookie, { file: await makeJpeg({ width: 64, height: 48 }), headers: { origin: server.url } });
    expectStatus(own, 202);
    const id = own.body.photo.id;
    await until('the accepted photo to be ready', () => call<{ photo: Photo }>(server.url, 'GET', `/api/photos/${id}`, { cookie: rita.cookie }), (r) => r.body.photo?.status === 'ready');
    t.after(async () => {
      expectStatus(await call(server.url, 'DELETE', `/api/photos/${id}`, { cookie: rita.cookie }), 204);
    });
  });

  test('afterwards: no photo of hers is processing, and no file is left in tmp/ or uploads/', async () => {
    const mine = await call<Page<Photo>>(server.url, 'GET', '/api/users/rita/photos?limit=100', { cookie: rita.cookie });
    expectStatus(mine, 200);
    assert.deepEqual(
      mine.body.items.filter((p) => p.status !== 'ready').map((p) => [p.id, p.status]),
      [],
      'refused uploads must not leave photos behind',
    );
    assert.deepEqual(mine.body.items, [], 'the one accepted photo was deleted by its test');
    assert.deepEqual(filesUnder(join(dataDir(), 'tmp')), [], 'temporary files left');
    // The one accepted photo's original is purged by a job after processing: allow it a moment.
    await until('uploads/ to be empty', async () => filesUnder(join(dataDir(), 'uploads')), (files) => files.length === 0, 5_000);
  });
});

describe('an upload the client abandons half-way', () => {
  test('leaves no temporary file, and the server keeps serving', async () => {
    const boundary = 'AbandonedUpload1234';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const url = new URL('/api/photos', server.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        cookie: rita.cookie,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + 10 * 1024 * 1024),
      },
    });
    const outcome = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`response ${res.statusCode}`));
      req.on('error', (err) => resolve(`error ${err.message}`));
    });
    req.write(head);
    req.write(Buffer.concat([jpeg.subarray(0, 20), randomBytes(2 * 1024 * 1024)]));
    const tmp = join(dataDir(), 'tmp');
    await until('the upload to reach tmp/', async () => filesUnder(tmp), (files) => files.length > 0, 5_000);
    req.destroy(); // the client goes away: the connection drops mid-file
    await outcome;
    await until('tmp/ to be empty after the client left', async () => filesUnder(tmp), (files) => files.length === 0, 5_000);

    const res = await upload(server.url, rita.cookie, { file: Buffer.alloc(0) });
    expectStatus(res, 400, 'EMPTY_FILE');
    const mine = await call<Page<Photo>>(server.url, 'GET', '/api/users/rita/photos?limit=100', { cookie: rita.cookie });
    assert.deepEqual(mine.body.items.filter((p) => p.status === 'processing'), []);
  });
});

describe('the upload rate limit', () => {
  test('the 31st upload within 10 minutes is refused with 429 and Retry-After; other users are not affected', async () => {
    const busy = await signUp(server.url, 'busy_uploader');
    for (let i = 0; i < 30; i++) {
      const res = await upload(server.url, busy.cookie, { file: Buffer.alloc(0) });
      expectStatus(res, 400, 'EMPTY_FILE');
    }
    const refused = await upload(server.url, busy.cookie, { file: jpeg });
    expectStatus(refused, 429, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After: ${refused.headers.get('retry-after')}`);

    expectStatus(await upload(server.url, rita.cookie, { file: Buffer.alloc(0) }), 400, 'EMPTY_FILE');
    assert.deepEqual(filesUnder(join(dataDir(), 'tmp')), []);
  });
});
