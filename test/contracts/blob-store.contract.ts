// The contract of a BlobStore; the S3-compatible store runs it too.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { blobKey, type BlobStore } from '../../src/ports/blobs.js';

const keyOf = (data: Buffer | string, ext: 'webp' | 'jpg' = 'webp') => blobKey(createHash('sha256').update(data).digest('hex'), ext);

export function blobStoreContract(name: string, create: () => Promise<{ store: BlobStore; dispose(): Promise<void> }>): void {
  describe(`BlobStore contract: ${name}`, () => {
    test('stores, reads, stats and deletes by key', async (t) => {
      const { store, dispose } = await create();
      t.after(dispose);
      const data = Buffer.from(`pixels ${Math.random()}`);
      const key = keyOf(data);
      await store.put(key, data);
      await store.put(key, data); // twice is harmless
      assert.deepEqual(await store.stat(key), { size: data.length, contentType: 'image/webp' });
      const got = await store.get(key);
      assert.equal(await text(got!.body), data.toString());
      await store.delete(key);
      assert.equal(await store.get(key), null);
      assert.equal(await store.stat(key), null);
      await store.delete(key); // twice is harmless
    });

    test('stores a local file by path', async (t) => {
      const { store, dispose } = await create();
      t.after(dispose);
      const file = join(tmpdir(), `strobe-blob-${process.pid}-${Date.now()}.jpg`);
      t.after(() => rmSync(file, { force: true })); // a store may copy it rather than move it
      writeFileSync(file, 'jpeg bytes');
      const key = keyOf('jpeg bytes', 'jpg');
      await store.put(key, { path: file });
      assert.deepEqual(await store.stat(key), { size: 10, contentType: 'image/jpeg' });
    });

    test('refuses anything that is not a content address', async (t) => {
      const { store, dispose } = await create();
      t.after(dispose);
      for (const bad of ['../../etc/passwd', `${'a'.repeat(64)}.exe`, `${'A'.repeat(64)}.webp`, '', `${'a'.repeat(63)}.webp`, `../${'a'.repeat(61)}.webp`]) {
        await assert.rejects(store.get(bad), `get ${bad}`);
        await assert.rejects(store.put(bad, Buffer.from('x')), `put ${bad}`);
      }
    });
  });
}
