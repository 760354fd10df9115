// What the browser can say about a chosen avatar file before sending it: the server judges the
// content (415 for a non-image, 422 for a decompression bomb), but there is no point sending
// 30 MB, or a PDF, to hear that.
import { LIMITS } from '../../../src/shared/api.js';

export const AVATAR_MAX_MB = LIMITS.uploadMaxBytes / 1024 / 1024;

/** Why this file cannot be an avatar, or null when it may be sent. */
export function avatarFileProblem(file: { type: string; size: number }): string | null {
  if (!file.type.startsWith('image/')) return 'That file is not an image. Choose a JPEG, PNG, WebP, AVIF or GIF picture.';
  if (file.size === 0) return 'That file is empty.';
  if (file.size > LIMITS.uploadMaxBytes) return `That picture is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${AVATAR_MAX_MB} MB.`;
  return null;
}
