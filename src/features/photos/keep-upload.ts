// An uploaded image, checked and kept: the photo route and the avatar route accept images alike.
import { randomBytes } from 'node:crypto';
import { AppError, errors } from '../../errors.js';
import { blobKey, type BlobStore } from '../../ports/blobs.js';
import { ImageRejected, inspectUpload, sniffImage } from './images.js';
import type { SpooledFile } from './upload.js';

/**
 * Refuses what is not a complete image within the limits (by its bytes, never its name or claimed
 * type), then stores it in `uploads` and returns its key. `missing` is the message when the form
 * had no file.
 */
export async function keepImageUpload(uploads: BlobStore, file: SpooledFile | undefined, missing: string): Promise<string> {
  if (!file) throw errors.validation(missing);
  if (file.size === 0) throw errors.emptyFile();
  const ext = sniffImage(file.head);
  if (!ext) throw errors.unsupportedType('Upload a JPEG, PNG, WebP, AVIF or GIF image.');
  try {
    await inspectUpload(file.path, ext);
  } catch (err) {
    if (err instanceof ImageRejected) throw new AppError(err.problem, 422, err.message);
    throw err;
  }
  // A key of its own, not the content hash: two uploads of the same bytes must not share a file
  // that the first one's cleanup would delete under the second.
  const key = blobKey(randomBytes(32).toString('hex'), ext);
  await uploads.put(key, { path: file.path });
  return key;
}
