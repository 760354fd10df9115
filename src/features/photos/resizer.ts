// The resize contract, and Strobe's own resizer. A `photo.resize` request names where to read the
// original and where to write each variant (keys in the blob stores, plus presigned URLs when they
// are on S3); the resizer answers with a `photo.resized` reply. Any resizer can stand in for this
// one (examples/resizer-python): only Strobe's `photo.resized` handler (photos.pipeline.ts) touches
// the photo's rows. docs/messages.md documents both messages.
import { randomBytes } from 'node:crypto';
import { enqueue } from '../../jobs/outbox.js';
import { blobKey, type BlobStore } from '../../ports/blobs.js';
import type { Db } from '../../ports/db.js';
import type { BlobLocation, ResizedReply, ResizeRequest } from '../../ports/jobs.js';
import { DISPLAY_WIDTH, ImageRejected, processImage, THUMB_WIDTH } from './images.js';
import { readAll } from './blob-read.js';
import { findProcessing } from './photos.repo.js';

/** How long presigned URLs last: a request may wait in its queue while every resizer is down. */
export const PRESIGNED_TTL_S = 7 * 24 * 3600;

/** The request for a photo whose original is `uploadKey`; its variants get keys of their own. */
export async function resizeRequest(photoId: string, uploadKey: string, stores: { uploads: BlobStore; media: BlobStore }): Promise<ResizeRequest> {
  const variant = async (width: number): Promise<BlobLocation & { width: number }> => {
    const key = blobKey(randomBytes(32).toString('hex'), 'webp');
    const url = await stores.media.presign?.(key, 'PUT', PRESIGNED_TTL_S);
    return { store: 'media', key, width, ...(url ? { url } : {}) };
  };
  const url = await stores.uploads.presign?.(uploadKey, 'GET', PRESIGNED_TTL_S);
  return {
    photoId,
    original: { store: 'uploads', key: uploadKey, ...(url ? { url } : {}) },
    variants: { display: await variant(DISPLAY_WIDTH), thumb: await variant(THUMB_WIDTH) },
  };
}

export interface ResizerDeps {
  db: Db;
  media: BlobStore;
  uploads: BlobStore;
  scratchDir?: string;
}

/**
 * Strobe's resizer: makes the variants where the request says and replies. An image that cannot
 * be read is a reply (`ok: false`), not an error: retrying would not help. Anything else throws
 * and the job system retries.
 */
export async function resizeFor(deps: ResizerDeps, request: ResizeRequest): Promise<void> {
  const full = request.original && request.variants ? request : await upgrade(deps, request);
  if (!full) return; // an old-style request for a photo that is gone or done
  const original = await readAll(deps.uploads, full.original!.key);
  if (!original) return reply(deps.db, { photoId: request.photoId, ok: false, reason: 'The original upload is missing.' });
  let image;
  try {
    image = await processImage(original, deps.scratchDir);
  } catch (err) {
    if (err instanceof ImageRejected) return reply(deps.db, { photoId: request.photoId, ok: false, reason: err.message });
    throw err;
  }
  const { display, thumb } = full.variants!;
  await deps.media.put(display.key, image.display.data);
  await deps.media.put(thumb.key, image.thumb.data);
  await reply(deps.db, {
    photoId: request.photoId,
    ok: true,
    width: image.width,
    height: image.height,
    variants: {
      display: { key: display.key, width: image.display.width, height: image.display.height },
      thumb: { key: thumb.key, width: image.thumb.width, height: image.thumb.height },
    },
    placeholder: image.placeholder,
    gps: image.gps,
  });
}

/** Replies through the outbox, as any job is enqueued. */
export async function reply(db: Db, payload: ResizedReply): Promise<void> {
  await db.tx((q) => enqueue(q, 'photo.resized', payload));
}

/** A request queued before the contract carried the photo id only: Strobe's resizer can look the rest up. */
async function upgrade(deps: ResizerDeps, request: ResizeRequest): Promise<ResizeRequest | null> {
  const photo = await findProcessing(deps.db, request.photoId);
  return photo && resizeRequest(request.photoId, photo.upload_key, deps);
}
