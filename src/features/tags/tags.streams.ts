// `tag:<tag>`: a live wall per hashtag (photo.ready, photo.deleted), public like `city:<slug>`.
import { AppError } from '../../errors.js';
import type { StreamRegistry } from '../../realtime/streams.js';
import { normalizeTag, TAG_PATTERN } from './tags.text.js';

export function registerTagStreams(streams: StreamRegistry): void {
  streams.register('tag', {
    takesArg: true,
    argPattern: new RegExp(TAG_PATTERN, 'u'),
    authorize(_viewer, tag) {
      // One name per wall: the tag as stored (lower case, NFC), as links and events carry it.
      if (normalizeTag(tag) !== tag) throw new AppError('BAD_REQUEST', 400, `Watch a tag as it is stored: "tag:${normalizeTag(tag) ?? ''}".`);
      return `tag:${tag}`;
    },
  });
}
