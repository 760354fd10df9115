// Signed ingest end to end (embedded, a real listening server): a source made with the CLI sends a
// photo that lands on its city wall live; every forged, stale, replayed or altered request is a 401
// with its code and stores nothing; `strobe ingest watch` and the Python example send a folder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Adapters } from '../../src/adapters/index.js';
import { runIngest } from '../../src/features/ingest/ingest.cli.js';
import { postIngest, signedIngest } from '../../src/features/ingest/ingest.client.js';
import { sign } from '../../src/features/ingest/ingest.secrets.js';
import { watchFolder } from '../../src/features/ingest/ingest.watch.js';
import type { Photo } from '../../src/shared/api.js';
import { makeJpeg } from '../helpers/images.js';
import { photoServer, readyEvent, until } from '../helpers/photos.js';

const server = photoServer();
const { sockets } = server;

/** Runs the CLI against the test server's own adapters (which it must not close). */
async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const adapters: Adapters = { ...server.app.adapters, close: async () => {} };
  const code = await runIngest(args, { config: server.app.config, env: {}, open: async () => adapters, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function addSource(name: string, ...flags: string[]): Promise<string> {
  const res = await cli('add', name, ...flags);
  assert.equal(res.code, 0, res.err.join('\n'));
  const line = res.out.find((l) => l.includes('shown only this once'))!;
  return line.slice(line.lastIndexOf(' ') + 1);
}

const photoCount = async () => (await server.app.adapters.db.query<{ n: number }>('select count(*)::int as n from photos'))[0]!.n;
const seenCount = async () => (await server.app.adapters.db.query<{ n: number }>('select count(*)::int as n from ingest_seen'))[0]!.n;

describe('signed ingest', () => {
  test('a signed photo from a source lands on its city wall live, owned by the source’s account', async () => {
    const secret = await addSource('cam_lyon', '--city', 'lyon-fr');
    const wall = await sockets.open(undefined, 'city:lyon-fr');
    const started = Date.now();
    const res = await postIngest(server.url, signedIngest('cam_lyon', secret, { file: await makeJpeg({ width: 80, height: 60 }), filename: 'shot.jpg', caption: 'from the booth' }));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const photo = (res.body as { photo: Photo }).photo;
    assert.equal(photo.owner.username, 'cam_lyon');
    assert.equal(photo.city?.slug, 'lyon-fr', 'the source’s city when the request names none');
    const ready = await readyEvent(wall, 'city:lyon-fr', photo.id, 15_000);
    assert.equal(ready.data.photo.caption, 'from the booth');
    console.log(`ℹ ingest request -> photo.ready on the city wall: ${Date.now() - started} ms`);
  });

  test('refusals: 401 with a code, nothing stored', async () => {
    const secret = await addSource('cam_refused');
    const file = await makeJpeg({ width: 40, height: 30 });
    const good = () => signedIngest('cam_refused', secret, { file, filename: 'a.jpg' });
    const photosBefore = await photoCount();
    const cases: [string, () => Promise<{ status: number; body: unknown }>][] = [];
    const post = (headers: Record<string, string>, body: Buffer) => postIngest(server.url, { headers, body });
    cases.push(['SIGNATURE_REQUIRED', () => { const r = good(); const { 'x-signature-256': _drop, ...headers } = r.headers; return post(headers, r.body); }]);
    cases.push(['SIGNATURE_REQUIRED', () => { const r = good(); return post({ ...r.headers, 'x-signature-256': 'md5=abc' }, r.body); }]);
    cases.push(['BAD_SIGNATURE', () => { const r = good(); return post({ ...r.headers, 'x-signature-256': sign('not the secret', r.headers['x-timestamp']!, r.body) }, r.body); }]);
    cases.push(['BAD_SIGNATURE', () => { const r = good(); const changed = Buffer.from(r.body); changed[changed.length - 100]! ^= 1; return post(r.headers, changed); }]);
    cases.push(['STALE_TIMESTAMP', () => { const r = signedIngest('cam_refused', secret, { file, filename: 'a.jpg' }, Date.now() - 6 * 60_000); return post(r.headers, r.body); }]);
    cases.push(['STALE_TIMESTAMP', () => { const r = signedIngest('cam_refused', secret, { file, filename: 'a.jpg' }, Date.now() + 6 * 60_000); return post(r.headers, r.body); }]);
    cases.push(['UNKNOWN_SOURCE', () => { const r = signedIngest('nobody_here', secret, { file, filename: 'a.jpg' }); return post(r.headers, r.body); }]);
    for (const [code, attempt] of cases) {
      const res = await attempt();
      assert.equal(res.status, 401, `${code}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as { error: { code: string } }).error.code, code);
    }
    assert.equal(await photoCount(), photosBefore, 'nothing stored');

    // A replay of an accepted request: refused, the photo stored once.
    const once = good();
    assert.equal((await post(once.headers, once.body)).status, 202);
    const replay = await post(once.headers, once.body);
    assert.equal(replay.status, 401);
    assert.equal((replay.body as { error: { code: string } }).error.code, 'REPLAYED');
    assert.equal(await photoCount(), photosBefore + 1);

    // A body that is not multipart, correctly signed: 415 after the signature, nothing stored.
    const text = Buffer.from('just text');
    const ts = String(Math.floor(Date.now() / 1000));
    const plain = await post({ 'content-type': 'multipart/form-data', 'x-source': 'cam_refused', 'x-timestamp': ts, 'x-signature-256': sign(secret, ts, text) }, text);
    assert.ok(plain.status === 400 || plain.status === 415, JSON.stringify(plain.body));
    // A signed text file in a good form: the photo checks refuse it (415).
    const fake = signedIngest('cam_refused', secret, { file: Buffer.from('not an image at all'), filename: 'fake.jpg' });
    assert.equal((await post(fake.headers, fake.body)).status, 415);
    assert.equal(await photoCount(), photosBefore + 1);

    // Over the size limit: 413 as soon as the limit is passed, before any parsing; nothing stored.
    const huge = signedIngest('cam_refused', secret, { file: Buffer.alloc(27 * 1024 * 1024, 1), filename: 'huge.jpg' });
    const tooBig = await post(huge.headers, huge.body);
    assert.equal(tooBig.status, 413, JSON.stringify(tooBig.body));
    assert.equal(await photoCount(), photosBefore + 1);

    // Rotated: the old secret stops working. Removed: the source is unknown.
    const rotated = await cli('rotate', 'cam_refused');
    assert.equal(rotated.code, 0);
    const stale = good();
    assert.equal(((await post(stale.headers, stale.body)).body as { error: { code: string } }).error.code, 'BAD_SIGNATURE');
    assert.equal((await cli('remove', 'cam_refused')).code, 0);
    const fresh = rotated.out.find((l) => l.includes('shown only this once'))!.split(' ').at(-1)!;
    const gone = signedIngest('cam_refused', fresh, { file, filename: 'a.jpg' });
    assert.equal(((await post(gone.headers, gone.body)).body as { error: { code: string } }).error.code, 'UNKNOWN_SOURCE');
    assert.ok((await seenCount()) >= 1);
  });

  test('the CLI refuses bad names, unknown cities and taken names clearly', async () => {
    assert.equal((await cli('add', 'Bad Name')).code, 1);
    assert.match((await cli('add', 'cam_x', '--city', 'atlantis')).err.join(''), /no city/);
    await addSource('cam_twice');
    assert.match((await cli('add', 'cam_twice')).err.join(''), /exists/);
    assert.equal((await cli('frobnicate')).code, 2);
    const listed = await cli('list');
    assert.ok(listed.out.some((l) => l.startsWith('cam_twice\t')));
    assert.ok(!listed.out.join('\n').includes('ingest_'), 'list never shows a secret');
  });

  test('`strobe ingest watch` sends each new image in a folder once, across a restart', async () => {
    const secret = await addSource('cam_folder');
    const dir = await mkdtemp(join(tmpdir(), 'strobe-watch-'));
    try {
      await writeFile(join(dir, 'one.jpg'), await makeJpeg({ width: 30, height: 30 }));
      await writeFile(join(dir, 'notes.txt'), 'ignored');
      const lines: string[] = [];
      const run = () => watchFolder({ dir, source: 'cam_folder', secret, url: server.url, once: true, intervalMs: 50, out: (l) => lines.push(l), err: (l) => lines.push(l) });
      await run();
      await writeFile(join(dir, 'two.jpg'), await makeJpeg({ width: 31, height: 30 }));
      await run(); // a restart: one.jpg is remembered, two.jpg is new
      const owned = await server.app.adapters.db.query<{ n: number }>(`select count(*)::int as n from photos p join users u on u.id = p.owner_id where u.username = 'cam_folder'`);
      assert.equal(owned[0]!.n, 2, lines.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the Python example (Debian’s /usr/bin/python3, standard library only) sends a folder', async () => {
    const secret = await addSource('cam_python');
    const dir = await mkdtemp(join(tmpdir(), 'strobe-watch-py-'));
    try {
      await writeFile(join(dir, 'py.jpg'), await makeJpeg({ width: 32, height: 32 }));
      const child = spawn('/usr/bin/python3', ['examples/ingest-python/watch.py', dir, '--source', 'cam_python', '--url', server.url, '--once', '--interval', '0.1'], {
        env: { ...process.env, STROBE_INGEST_SECRET: secret },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, output);
      assert.match(output, /sent py\.jpg: photo \d+/);
      await until(
        'the Python-sent photo to be ready',
        async () => (await server.app.adapters.db.query<{ status: string }>(`select p.status from photos p join users u on u.id = p.owner_id where u.username = 'cam_python'`))[0]?.status,
        (status) => status === 'ready',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
