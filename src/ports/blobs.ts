// Photo files. The filesystem store serves one host or a shared volume; an S3-compatible store
// serves a cluster without one. Keys are content addresses (sha256 + extension), checked on every
// call, so no path is ever built from user input.
import type { Readable } from 'node:stream';

export const BLOB_EXTENSIONS = ['jpg', 'png', 'webp', 'avif', 'gif'] as const;
export type BlobExtension = (typeof BLOB_EXTENSIONS)[number];

/** Not an image: account data exports (features/accounts), kept in the uploads store, never under /media. */
export type PrivateExtension = 'zip';

const KEY = /^[0-9a-f]{64}\.(?:jpg|png|webp|avif|gif|zip)$/;

export function blobKey(sha256Hex: string, ext: BlobExtension | PrivateExtension): string {
  const key = `${sha256Hex}.${ext}`;
  if (!KEY.test(key)) throw new Error(`not a content address: ${key}`);
  return key;
}

export function isBlobKey(key: unknown): key is string {
  return typeof key === 'string' && KEY.test(key);
}

export const CONTENT_TYPES: Record<BlobExtension | PrivateExtension, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  zip: 'application/zip',
};

export interface BlobInfo {
  size: number;
  contentType: string;
}

export interface BlobStore {
  /** Stores bytes (a buffer, or a local file by path) under a key. Storing a key twice is harmless. */
  put(key: string, source: Buffer | { path: string }): Promise<void>;
  get(key: string): Promise<(BlobInfo & { body: Readable }) | null>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  /**
   * A URL that lets a process outside Strobe read (GET) or write (PUT) one key for a while, without
   * credentials: S3's presigned URLs. Absent for the filesystem store, whose keys are read and
   * written on the shared volume (docs/messages.md gives the layout).
   */
  presign?(key: string, method: 'GET' | 'PUT', expiresInS: number): Promise<string>;
}
