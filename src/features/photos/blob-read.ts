import type { BlobStore } from '../../ports/blobs.js';

/** A whole blob in memory (originals are at most 25 MB), or null when it is missing. */
export async function readAll(store: BlobStore, key: string): Promise<Buffer | null> {
  const blob = await store.get(key);
  if (!blob) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of blob.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
