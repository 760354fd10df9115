// The S3 blob store against s3rver, an S3-compatible server from npm, run in this process on a random
// port over a temp dir: the real S3 wire protocol (signed requests, XML errors, 404s) and no external service.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/adapters/s3/blobs.js';
import { mediaRoutes } from '../../src/http/media.js';
import { blobKey } from '../../src/ports/blobs.js';
import { blobStoreContract } from '../contracts/blob-store.contract.js';

// s3rver ships no types; this is the part of its API the test uses.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: { address: string; port: number; silent: boolean; directory: string }) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const BUCKET = 'strobe-test';
let dir: string;
let server: S3rverServer;
let connection: Omit<S3BlobStoreOptions, 'bucket' | 'prefix'>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strobe-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3') });
  const { port } = await server.run();
  // s3rver knows one key pair, S3RVER/S3RVER; it refuses other key ids but does not verify SigV4 signatures.
  connection = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
  await withClient((s3) => s3.send(new CreateBucketCommand({ Bucket: BUCKET }))); // production never creates it; tests may
});

after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function withClient<T>(use: (s3: S3Client) => Promise<T>): Promise<T> {
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = connection;
  const s3 = new S3Client({ endpoint, region, forcePathStyle, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! } });
  try {
    return await use(s3);
  } finally {
    s3.destroy();
  }
}

function openStore(prefix?: string, bucket = BUCKET): S3BlobStore {
  return new S3BlobStore({ ...connection, bucket, prefix });
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

for (const prefix of [undefined, 'media/']) {
  blobStoreContract(prefix ? `S3 (s3rver), prefix ${prefix}` : 'S3 (s3rver)', async () => {
    const store = openStore(prefix);
    return { store, dispose: async () => store.close() };
  });
}

test('a prefix keeps stores apart in one bucket', async (t) => {
  const media = openStore('media');
  const uploads = openStore('uploads/');
  const root = openStore();
  t.after(() => [media, uploads, root].forEach((store) => store.close()));
  const data = Buffer.from(`variant ${Math.random()}`);
  const key = blobKey(sha256(data), 'webp');
  await media.put(key, data);
  assert.equal(await uploads.stat(key), null);
  assert.equal(await root.stat(key), null, 'not at the bucket root');
  const head = await withClient((s3) => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `media/${key}` })));
  assert.equal(head.ContentType, 'image/webp', 'Content-Type stored with the object, for anything reading the bucket directly');
  for (const bad of ['../uploads', 'media/../uploads/', '/media', 'media//x', 'media files']) assert.throws(() => openStore(bad), /prefix/, bad);
  openStore('photos/2026').close();
});

test('a key outside the content-address form is refused before anything is sent', async (t) => {
  const store = openStore('media/');
  t.after(() => store.close());
  for (const bad of ['../uploads/' + 'a'.repeat(64) + '.jpg', 'a'.repeat(64) + '.webp/../x', 'A'.repeat(64) + '.webp', 'photo.webp', `${'a'.repeat(64)}.svg`]) {
    await assert.rejects(store.put(bad, Buffer.from('x')), /invalid blob key/, `put ${bad}`);
    await assert.rejects(store.put(bad, { path: '/etc/hostname' }), /invalid blob key/, `put path ${bad}`);
    await assert.rejects(store.get(bad), /invalid blob key/, `get ${bad}`);
    await assert.rejects(store.stat(bad), /invalid blob key/, `stat ${bad}`);
    await assert.rejects(store.delete(bad), /invalid blob key/, `delete ${bad}`);
  }
});

test('a 30 MB file put by path streams up and reads back identical', async (t) => {
  const store = openStore('uploads/');
  t.after(() => store.close());
  const file = join(dir, 'large.jpg');
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  await pipeline(
    (async function* () {
      for (let i = 0; i < 30; i++) {
        const chunk = randomBytes(1024 * 1024);
        hash.update(chunk);
        yield chunk;
      }
    })(),
    out,
  );
  const digest = hash.digest('hex');
  const key = blobKey(digest, 'jpg');
  await store.put(key, { path: file });
  assert.deepEqual(await store.stat(key), { size: 30 * 1024 * 1024, contentType: 'image/jpeg' });
  const got = await store.get(key);
  assert.equal(got?.size, 30 * 1024 * 1024);
  const back = createHash('sha256');
  for await (const chunk of got!.body) back.update(chunk as Buffer);
  assert.equal(back.digest('hex'), digest);
});

test('a missing or forbidden bucket fails the start with a sentence, and is not created', async () => {
  const store = openStore('media/', 'no-such-bucket');
  try {
    await assert.rejects(store.checkBucket(), /bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist; create it first/);
  } finally {
    store.close();
  }
  const wrongKey = new S3BlobStore({ ...connection, accessKeyId: 'NOT-A-KEY', bucket: BUCKET });
  try {
    await assert.rejects(wrongKey.checkBucket(), /access to bucket "strobe-test" .* was denied; check S3_ACCESS_KEY_ID/);
  } finally {
    wrongKey.close();
  }
  const ok = openStore('media/');
  try {
    await ok.checkBucket();
  } finally {
    ok.close();
  }
});

test('GET /media/:key serves a variant stored on S3', async (t) => {
  const store = openStore('media/');
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  mediaRoutes(app, store);
  t.after(async () => {
    await app.close();
    store.close();
  });
  const data = randomBytes(50_000);
  const hex = sha256(data);
  const key = blobKey(hex, 'webp');
  await store.put(key, data);

  const res = await app.inject({ method: 'GET', url: `/media/${key}` });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'image/webp');
  assert.equal(res.headers['content-length'], String(data.length));
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(String(res.headers['cache-control']), /immutable/);
  assert.equal(res.headers.etag, `"${hex}"`);
  assert.ok(res.rawPayload.equals(data));

  const cached = await app.inject({ method: 'GET', url: `/media/${key}`, headers: { 'if-none-match': `"${hex}"` } });
  assert.equal(cached.statusCode, 304);

  const missing = await app.inject({ method: 'GET', url: `/media/${blobKey(sha256('never stored'), 'webp')}` });
  assert.equal(missing.statusCode, 404);
  const bad = await app.inject({ method: 'GET', url: '/media/..%2F..%2Fetc%2Fpasswd' });
  assert.equal(bad.statusCode, 404);
});

test('presigned URLs let an outside resizer read an original and write a variant, without credentials', async () => {
  const uploads = openStore('uploads/');
  const media = openStore('media/');
  try {
    const original = randomBytes(2048);
    const originalKey = blobKey(randomBytes(32).toString('hex'), 'jpg');
    await uploads.put(originalKey, original);
    const get = await fetch(await uploads.presign(originalKey, 'GET', 600));
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), original);

    const variant = randomBytes(1024);
    const variantKey = blobKey(randomBytes(32).toString('hex'), 'webp');
    const put = await fetch(await media.presign(variantKey, 'PUT', 600), { method: 'PUT', body: variant, headers: { 'content-type': 'image/webp' } });
    assert.ok(put.ok, `PUT ${put.status}`);
    const stored = await media.get(variantKey);
    assert.ok(stored);
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), variant, 'what the resizer PUT is the variant Strobe serves');
  } finally {
    uploads.close();
    media.close();
  }
});
