// Filesystem blob store: DATA_DIR/media/ab/cd/<key>. Writes go to a temporary file and are renamed
// into place, so a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONTENT_TYPES, isBlobKey, type BlobExtension, type BlobInfo, type BlobStore } from '../../ports/blobs.js';

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(key: string, source: Buffer | { path: string }): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      if (Buffer.isBuffer(source)) await writeFile(tmp, source);
      else await copyFile(source.path, tmp);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<(BlobInfo & { body: ReturnType<typeof createReadStream> }) | null> {
    const info = await this.stat(key);
    return info && { ...info, body: createReadStream(this.path(key)) };
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.path(key));
      return { size: s.size, contentType: contentTypeOf(key) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!isBlobKey(key)) throw new Error('invalid blob key');
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1) as BlobExtension];
}
